//! A backup's own work runs at the lowest CPU priority (`SCHED_IDLE` on
//! Linux), on threads of its own: the snapshot, the archive and the read-back
//! then take only the CPU time that serving requests leaves, instead of an
//! equal share of it (which on a small machine shows as a few milliseconds
//! more on every request's latency while a backup runs). An idle-class
//! thread still makes progress on a busy machine, only slowly.
//!
//! Fresh threads, not tokio's blocking pool: a pooled thread would keep the
//! policy for whatever runs on it next. `SNACKBASE_BACKUP_IDLE_CPU=false`
//! keeps the normal priority.

/// Runs `work` on a thread of its own, at idle CPU priority when `idle`,
/// and returns its result. Where the policy cannot be set (not Linux, or
/// refused) the work runs at the normal priority.
pub async fn run<T, F>(idle: bool, work: F) -> std::io::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("backup".into())
        .spawn(move || {
            if idle {
                lower();
            }
            let _ = done.send(work());
        })?;
    result
        .await
        .map_err(|_| std::io::Error::other("the backup's thread ended without a result"))
}

/// Puts the calling thread in the idle scheduling class (and at the
/// lowest niceness, should it ever leave it).
#[cfg(target_os = "linux")]
fn lower() {
    use thread_priority::{
        set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
        ThreadPriority, ThreadSchedulePolicy,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(e) = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle) {
        tracing::debug!(error = ?e, "the backup's thread keeps its CPU priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use thread_priority::{
        thread_schedule_policy, NormalThreadSchedulePolicy, ThreadSchedulePolicy,
    };

    fn policy() -> ThreadSchedulePolicy {
        thread_schedule_policy().expect("the thread's policy")
    }

    #[tokio::test]
    async fn work_runs_at_idle_priority_on_a_thread_of_its_own() {
        let normal = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other);
        let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        let caller = policy();
        assert_eq!(run(true, policy).await.expect("ran"), idle);
        assert_eq!(run(false, policy).await.expect("ran"), normal);
        // The caller's thread (a runtime worker) is untouched.
        assert_eq!(policy(), caller);
        assert_ne!(caller, idle);
        let name = run(true, || std::thread::current().name().map(str::to_owned));
        assert_eq!(name.await.expect("ran").as_deref(), Some("backup"));
    }
}
