//! Collects pipeline events in the background for assertions.

use heimdex_core::Event;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

#[derive(Clone, Default)]
pub struct EventLog(Arc<Mutex<Vec<Event>>>);

impl EventLog {
    /// Starts collecting from `rx` until the sender closes.
    pub fn collect(mut rx: broadcast::Receiver<Event>) -> Self {
        let log = Self::default();
        let inner = log.0.clone();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(e) => inner.lock().unwrap().push(e),
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        log
    }

    pub fn snapshot(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}
