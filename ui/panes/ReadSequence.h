// ReadSequence: numbers a pane's reads of one kind (a list, a selection's versions) on its StoreReader, so that only
// the newest one's answer is shown. The reader answers in order: while a newer read is in flight, its answer follows.
#pragma once

#include <QtGlobal>

namespace mldesk::ui {

class ReadSequence final {
public:
    // A read begins: the number its answer is checked with.
    quint64 start() { return ++m_started; }
    // The answer of the read numbered sequence is the one to show: no newer read has begun since.
    bool isNewest(quint64 sequence) const { return sequence == m_started; }
    // An answer came (or was given at once): true, and the read counts as answered, when it is the newest.
    bool answer(quint64 sequence)
    {
        if (!isNewest(sequence))
            return false;
        m_answered = sequence;
        return true;
    }
    // The reads in flight are dropped: no answer of theirs is the newest any more.
    void dropInFlight() { m_answered = ++m_started; }
    // A read has begun whose answer is still to come (and to be shown).
    bool inFlight() const { return m_answered < m_started; }

private:
    quint64 m_started = 0;
    quint64 m_answered = 0; // the newest read answered
};

} // namespace mldesk::ui
