//! A connection's outbox: the messages queued for its client, bounded, and
//! why the server ends it. One mutex and one `Notify` per connection, and no
//! allocation while it is empty, so an idle connection holds no queue
//! storage (a `tokio::sync::mpsc` channel allocates a block of 32 slots up
//! front, and a `watch` channel eight `Notify`s).

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use super::hub::{Close, Out};

/// What a connection's transport does next.
#[derive(Debug)]
pub enum Next {
    /// Send this message.
    Send(Out),
    /// End the connection for this reason (queued messages are dropped).
    Close(Close),
}

/// What became of a message handed to [`Outbox::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// The queue held its limit: the connection is closed as a slow consumer.
    Full,
    /// The connection is closing: the message was dropped.
    Closed,
}

/// Queued messages beyond this capacity are given back once the queue
/// drains (a burst does not leave its memory behind on an idle connection).
const KEEP: usize = 16;

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Out>,
    close: Option<Close>,
}

#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    ready: Notify,
    limit: usize,
}

impl Outbox {
    /// An outbox that holds at most `limit` messages.
    pub fn new(limit: usize) -> Self {
        Self {
            state: Mutex::default(),
            ready: Notify::new(),
            limit: limit.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a message for the client; a full queue closes the connection
    /// with 1008 ("slow consumer").
    pub fn push(&self, out: Out) -> Pushed {
        let mut state = self.lock();
        if state.close.is_some() {
            return Pushed::Closed;
        }
        if state.queue.len() >= self.limit {
            state.queue = VecDeque::new();
            state.close = Some(Close::new(
                1008,
                "slow consumer: too many undelivered messages",
            ));
            drop(state);
            self.ready.notify_one();
            return Pushed::Full;
        }
        state.queue.push_back(out);
        drop(state);
        self.ready.notify_one();
        Pushed::Queued
    }

    /// Ends the connection with `why`, unless it is already closing.
    pub fn close(&self, why: Close) {
        let mut state = self.lock();
        if state.close.is_some() {
            return;
        }
        state.close = Some(why);
        state.queue = VecDeque::new();
        drop(state);
        self.ready.notify_one();
    }

    fn take(&self) -> Option<Next> {
        let mut state = self.lock();
        if let Some(why) = &state.close {
            return Some(Next::Close(*why));
        }
        let out = state.queue.pop_front()?;
        if state.queue.is_empty() && state.queue.capacity() > KEEP {
            state.queue = VecDeque::new();
        }
        Some(Next::Send(out))
    }

    /// The next thing to do: a close first, else the oldest message. Cancel
    /// safe: nothing is taken unless it is returned. One task only may wait.
    pub async fn next(&self) -> Next {
        loop {
            if let Some(next) = self.take() {
                return next;
            }
            self.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{Next, Outbox, Pushed};
    use crate::realtime::hub::{Close, Out};

    fn out(n: i64) -> Out {
        Out {
            text: format!("{n}").into(),
            seq: Some(n),
        }
    }

    async fn next(outbox: &Outbox) -> Next {
        tokio::time::timeout(Duration::from_secs(1), outbox.next())
            .await
            .expect("the outbox has something")
    }

    #[tokio::test]
    async fn messages_come_out_in_order() {
        let outbox = Outbox::new(4);
        assert_eq!(outbox.push(out(1)), Pushed::Queued);
        assert_eq!(outbox.push(out(2)), Pushed::Queued);
        assert!(matches!(next(&outbox).await, Next::Send(o) if o.seq == Some(1)));
        assert!(matches!(next(&outbox).await, Next::Send(o) if o.seq == Some(2)));
    }

    #[tokio::test]
    async fn a_full_queue_closes_as_a_slow_consumer() {
        let outbox = Outbox::new(2);
        assert_eq!(outbox.push(out(1)), Pushed::Queued);
        assert_eq!(outbox.push(out(2)), Pushed::Queued);
        assert_eq!(outbox.push(out(3)), Pushed::Full);
        assert_eq!(outbox.push(out(4)), Pushed::Closed);
        match next(&outbox).await {
            Next::Close(why) => assert_eq!(why.code, 1008),
            other => panic!("expected a close, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_close_comes_before_queued_messages_and_the_first_close_wins() {
        let outbox = Outbox::new(8);
        outbox.push(out(1));
        outbox.close(Close::new(4003, "session ended"));
        outbox.close(Close::new(1012, "server restarting: reconnect"));
        assert!(matches!(next(&outbox).await, Next::Close(why) if why.code == 4003));
        assert_eq!(outbox.push(out(2)), Pushed::Closed);
    }

    #[tokio::test]
    async fn a_waiting_transport_wakes_on_a_message() {
        let outbox = Arc::new(Outbox::new(8));
        let waiting = tokio::spawn({
            let outbox = outbox.clone();
            async move { next(&outbox).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        outbox.push(out(7));
        let got = waiting.await.expect("the waiter ends");
        assert!(matches!(got, Next::Send(o) if o.seq == Some(7)));
    }

    #[tokio::test]
    async fn a_drained_burst_gives_its_memory_back() {
        let outbox = Outbox::new(1024);
        for n in 0..100 {
            outbox.push(out(n));
        }
        for _ in 0..100 {
            next(&outbox).await;
        }
        assert_eq!(outbox.lock().queue.capacity(), 0);
    }
}
