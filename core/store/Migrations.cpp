// Migrations: the schema of workspace.db, version by version. Never edit a shipped step; append a new one.
// Conventions: times are BIGINT milliseconds since the Unix epoch (UTC); JSON documents are TEXT.
#include "core/store/Migrations.h"

#include "core/store/MetricChunks.h"

namespace mldesk::core {

namespace {

QList<Migration> buildMigrations()
{
    QList<Migration> list;
    list.append(Migration{
        1,
        QStringLiteral("base tables"),
        {
            QStringLiteral("CREATE TABLE experiments ("
                           " id {ID},"
                           " name VARCHAR(255) NOT NULL UNIQUE,"
                           " description TEXT NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE compute_targets ("
                           " id {ID},"
                           " name VARCHAR(255) NOT NULL UNIQUE,"
                           " kind VARCHAR(32) NOT NULL," // local | slurm
                           " config_json TEXT NOT NULL DEFAULT '{}',"
                           " created_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE environments ("
                           " id {ID},"
                           " name VARCHAR(255) NOT NULL UNIQUE,"
                           " description TEXT NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE environment_versions ("
                           " id {ID},"
                           " environment_id BIGINT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,"
                           " version INTEGER NOT NULL,"
                           " kind VARCHAR(32) NOT NULL," // conda | native | system-python
                           " spec_text TEXT NOT NULL DEFAULT '',"
                           " spec_json TEXT NOT NULL DEFAULT '{}',"
                           " spec_hash VARCHAR(64) NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL,"
                           " UNIQUE (environment_id, version))"),
            QStringLiteral("CREATE TABLE datasets ("
                           " id {ID},"
                           " name VARCHAR(255) NOT NULL UNIQUE,"
                           " description TEXT NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE dataset_versions ("
                           " id {ID},"
                           " dataset_id BIGINT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
                           " version INTEGER NOT NULL,"
                           " manifest_hash VARCHAR(64) NOT NULL," // SHA-256 of the sorted manifest
                           " file_count INTEGER NOT NULL DEFAULT 0,"
                           " total_bytes BIGINT NOT NULL DEFAULT 0,"
                           " description TEXT NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL,"
                           " UNIQUE (dataset_id, version))"),
            QStringLiteral("CREATE TABLE dataset_files ("
                           " id {ID},"
                           " dataset_version_id BIGINT NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,"
                           " relative_path TEXT NOT NULL,"
                           " blob_hash VARCHAR(64) NOT NULL,"
                           " size_bytes BIGINT NOT NULL,"
                           " source TEXT NOT NULL DEFAULT ''," // URL or local path it was registered from
                           " UNIQUE (dataset_version_id, relative_path))"),
            QStringLiteral("CREATE TABLE runs ("
                           " id {ID},"
                           " run_uid VARCHAR(128) NOT NULL UNIQUE," // e.g. keras-mnist_1700000000_1a2b3c4d
                           " experiment_id BIGINT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
                           " display_name VARCHAR(255) NOT NULL DEFAULT '',"
                           " state VARCHAR(32) NOT NULL," // Queued ... Completed/Failed/Canceled
                           " created_at BIGINT NOT NULL,"
                           " started_at BIGINT,"
                           " ended_at BIGINT,"
                           " configuration_json TEXT NOT NULL DEFAULT '{}',"
                           " exit_code INTEGER,"
                           " failure_reason TEXT,"
                           " compute_target_id BIGINT REFERENCES compute_targets(id) ON DELETE SET NULL,"
                           " environment_version_id BIGINT REFERENCES environment_versions(id) ON DELETE SET NULL,"
                           " run_dir TEXT NOT NULL DEFAULT '',"
                           " backend_job_id VARCHAR(128) NOT NULL DEFAULT '')"), // pid or Slurm job id
            QStringLiteral("CREATE TABLE run_dataset_inputs ("
                           " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                           " dataset_version_id BIGINT NOT NULL REFERENCES dataset_versions(id),"
                           " mode VARCHAR(32) NOT NULL DEFAULT 'mount',"
                           " PRIMARY KEY (run_id, dataset_version_id))"),
            QStringLiteral("CREATE TABLE run_metrics ("
                           " id {ID},"
                           " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                           " name VARCHAR(255) NOT NULL,"
                           " step BIGINT NOT NULL,"
                           " value DOUBLE PRECISION," // NULL for non-numeric entries (e.g. images)
                           " logged_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE models ("
                           " id {ID},"
                           " name VARCHAR(255) NOT NULL UNIQUE,"
                           " description TEXT NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE model_versions ("
                           " id {ID},"
                           " model_id BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
                           " version INTEGER NOT NULL,"
                           " run_id BIGINT REFERENCES runs(id) ON DELETE SET NULL,"
                           " environment_version_id BIGINT REFERENCES environment_versions(id) ON DELETE SET NULL,"
                           " manifest_json TEXT NOT NULL DEFAULT '[]'," // [{"path","hash","size"}]
                           " manifest_hash VARCHAR(64) NOT NULL DEFAULT '',"
                           " description TEXT NOT NULL DEFAULT '',"
                           " created_at BIGINT NOT NULL,"
                           " UNIQUE (model_id, version))"),
            QStringLiteral("CREATE TABLE model_version_datasets ("
                           " model_version_id BIGINT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,"
                           " dataset_version_id BIGINT NOT NULL REFERENCES dataset_versions(id),"
                           " PRIMARY KEY (model_version_id, dataset_version_id))"),
        }});
    list.append(Migration{
        2,
        QStringLiteral("indexes, tags and run log offsets"),
        {
            QStringLiteral("CREATE INDEX run_metrics_by_run_name_step ON run_metrics (run_id, name, step)"),
            QStringLiteral("CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at)"),
            QStringLiteral("CREATE INDEX runs_by_state ON runs (state)"),
            QStringLiteral("CREATE INDEX model_versions_by_run ON model_versions (run_id)"),
            QStringLiteral("CREATE TABLE tags ("
                           " entity_kind VARCHAR(32) NOT NULL," // experiment | run | dataset | model_version ...
                           " entity_id BIGINT NOT NULL,"
                           " tag_key VARCHAR(255) NOT NULL,"
                           " tag_value TEXT NOT NULL DEFAULT '',"
                           " PRIMARY KEY (entity_kind, entity_id, tag_key))"),
            QStringLiteral("CREATE INDEX tags_by_key ON tags (tag_key, tag_value)"),
            // How far the watcher has ingested each file of a run directory, so ingestion resumes idempotently.
            QStringLiteral("CREATE TABLE run_log_offsets ("
                           " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                           " file_name VARCHAR(255) NOT NULL," // relative to the run directory
                           " byte_offset BIGINT NOT NULL DEFAULT 0,"
                           " updated_at BIGINT NOT NULL,"
                           " PRIMARY KEY (run_id, file_name))"),
        }});
    list.append(Migration{
        3,
        QStringLiteral("runs: process identity, device, snapshot/outputs manifests, state history (issue 5)"),
        {
            QStringLiteral("ALTER TABLE runs ADD COLUMN process_id BIGINT"),          // the supervisor's pid
            QStringLiteral("ALTER TABLE runs ADD COLUMN process_start_ticks BIGINT"), // /proc/<pid>/stat field 22
            QStringLiteral("ALTER TABLE runs ADD COLUMN exit_signal INTEGER"),
            QStringLiteral("ALTER TABLE runs ADD COLUMN device VARCHAR(64) NOT NULL DEFAULT ''"), // gpu:N | cpu
            QStringLiteral("ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE runs ADD COLUMN snapshot_manifest_json TEXT NOT NULL DEFAULT '[]'"),
            QStringLiteral("ALTER TABLE runs ADD COLUMN outputs_manifest_json TEXT NOT NULL DEFAULT '[]'"),
            QStringLiteral("ALTER TABLE run_metrics ADD COLUMN text_value TEXT"), // e.g. an image's path
            QStringLiteral("CREATE TABLE run_state_history ("
                           " id {ID},"
                           " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                           " state VARCHAR(32) NOT NULL,"
                           " changed_at BIGINT NOT NULL,"
                           " detail TEXT NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE INDEX run_state_history_by_run ON run_state_history (run_id, id)"),
        }});
    list.append(Migration{
        4,
        QStringLiteral("model registry: framework, properties, archive flag, source, stable version numbers (issue 6)"),
        {
            QStringLiteral("ALTER TABLE model_versions ADD COLUMN framework VARCHAR(32) NOT NULL DEFAULT 'Custom'"),
            QStringLiteral("ALTER TABLE model_versions ADD COLUMN properties_json TEXT NOT NULL DEFAULT '{}'"),
            QStringLiteral("ALTER TABLE model_versions ADD COLUMN archived INTEGER NOT NULL DEFAULT 0"),
            // The run path ("outputs/model") or the local paths it was registered from.
            QStringLiteral("ALTER TABLE model_versions ADD COLUMN source_path TEXT NOT NULL DEFAULT ''"),
            // The highest version ever given, so a deleted version's number is never reused.
            QStringLiteral("ALTER TABLE models ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0"),
            // Lineage the other way: which runs consumed a dataset version, which models came from it.
            QStringLiteral("CREATE INDEX run_dataset_inputs_by_dataset ON run_dataset_inputs (dataset_version_id)"),
            QStringLiteral("CREATE INDEX model_version_datasets_by_dataset ON model_version_datasets "
                           "(dataset_version_id)"),
        }});
    list.append(
        Migration{5,
                  QStringLiteral("a run's backend note (\"cluster unreachable, retrying\") for Slurm runs (issue 8)"),
                  {
                      QStringLiteral("ALTER TABLE runs ADD COLUMN backend_note TEXT NOT NULL DEFAULT ''"),
                  }});
    list.append(Migration{
        int(list.size()) + 1, // 6
        QStringLiteral("metrics in chunks with a per-run sequence readers follow, latest values (issue 12)"),
        {
            // Bumped once per chunk in the transaction that writes it: the watermark every reader follows.
            QStringLiteral("ALTER TABLE runs ADD COLUMN metric_seq BIGINT NOT NULL DEFAULT 0"),
            QStringLiteral(
                "CREATE TABLE run_metric_chunks ("
                " id {ID},"
                " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                " seq BIGINT NOT NULL," // 1, 2, ... per run, in commit order
                " name VARCHAR(255) NOT NULL,"
                " point_count INTEGER NOT NULL,"
                " first_step BIGINT NOT NULL," // the lowest step in the chunk
                " last_step BIGINT NOT NULL,"  // the highest
                " min_value DOUBLE PRECISION," // over its finite values; NULL when it has none
                " max_value DOUBLE PRECISION,"
                " last_value DOUBLE PRECISION,"
                " steps {BLOB},"               // packed int64; NULL when first_step, first_step + 1, ...
                " value_data {BLOB} NOT NULL," // packed float64 (NaN: not a number, see texts)
                " times {BLOB} NOT NULL,"      // packed int64 ms since the epoch
                " texts TEXT,"                 // JSON array, one string per point, when any has one
                               // per 64 points: first step, last step (int64), min, max (float64): decimated reads
                " summary {BLOB})"),
            QStringLiteral("CREATE UNIQUE INDEX run_metric_chunks_by_run_seq ON run_metric_chunks (run_id, seq)"),
            QStringLiteral("CREATE INDEX run_metric_chunks_by_run_name ON run_metric_chunks (run_id, name, seq)"),
            QStringLiteral("CREATE TABLE run_metric_latest ("
                           " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                           " name VARCHAR(255) NOT NULL,"
                           " step BIGINT NOT NULL," // of the point with the highest step
                           " value DOUBLE PRECISION,"
                           " logged_at BIGINT NOT NULL,"
                           " point_count BIGINT NOT NULL,"
                           " PRIMARY KEY (run_id, name))"),
        },
        &MetricChunks::migrateRows});
    list.append(Migration{
        int(list.size()) + 1, // appended: numbered after whatever steps precede it
        QStringLiteral("sweeps: parent and child runs, sampled hyperparameters, controller leases (issue 16)"),
        {
            QStringLiteral("ALTER TABLE runs ADD COLUMN run_kind VARCHAR(16) NOT NULL DEFAULT 'run'"), // run | sweep
            QStringLiteral("ALTER TABLE runs ADD COLUMN parent_run_id BIGINT REFERENCES runs(id) ON DELETE CASCADE"),
            QStringLiteral("ALTER TABLE runs ADD COLUMN trial_index INTEGER"), // a sweep child's trial number
            QStringLiteral("ALTER TABLE runs ADD COLUMN hyperparameters_json TEXT NOT NULL DEFAULT '{}'"),
            // The database itself refuses a second child for one trial: a sweep never launches a trial twice.
            QStringLiteral("CREATE UNIQUE INDEX runs_by_parent_trial ON runs (parent_run_id, trial_index)"),
            // Which process drives a sweep now; another takes over when the lease has run out (kill -9).
            QStringLiteral("CREATE TABLE sweep_leases ("
                           " run_id BIGINT NOT NULL PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
                           " controller VARCHAR(128) NOT NULL,"
                           " lease_until BIGINT NOT NULL)"),
        }});
    list.append(
        Migration{int(list.size()) + 1, // appended last: numbered after whatever steps precede it
                  QStringLiteral("endpoints: deployed model versions served by mldesk-serve (issue 18)"),
                  {
                      // Keys are not here: they live in a mode-600 file in the endpoint's folder (see EndpointKeys).
                      QStringLiteral("CREATE TABLE endpoints ("
                                     " id {ID},"
                                     " name VARCHAR(255) NOT NULL UNIQUE,"
                                     " model_version_id BIGINT REFERENCES model_versions(id) ON DELETE SET NULL,"
                                     " model_name VARCHAR(255) NOT NULL,"
                                     " model_version INTEGER NOT NULL,"
                                     " host VARCHAR(255) NOT NULL DEFAULT '127.0.0.1',"
                                     " port INTEGER NOT NULL,"
                                     " desired_state VARCHAR(32) NOT NULL DEFAULT 'Running'," // Running | Stopped
                                     " folder TEXT NOT NULL,"
                                     " config_json TEXT NOT NULL DEFAULT '{}',"
                                     " created_at BIGINT NOT NULL,"
                                     " started_at BIGINT,"
                                     " process_id BIGINT,"            // the supervisor's pid
                                     " process_start_ticks BIGINT)"), // /proc/<pid>/stat field 22
                  }});
    list.append(Migration{
        int(list.size()) + 1, // appended last: numbered after whatever steps precede it
        QStringLiteral("run priorities: higher runs first among queued runs that can start (issue 12 item 1)"),
        {
            QStringLiteral("ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0"), // -1000..1000
            // The scheduler's claim reads the queued runs in this order inside its write transaction.
            QStringLiteral("CREATE INDEX runs_by_state_priority ON runs (state, priority)"),
        }});
    return list;
}

} // namespace

const QList<Migration> &migrations()
{
    static const QList<Migration> list = buildMigrations();
    return list;
}

} // namespace mldesk::core
