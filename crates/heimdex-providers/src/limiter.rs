//! One gate for every request to a provider: at most N in flight, at most M started per minute.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

pub struct Limiter {
    slots: Arc<Semaphore>,
    interval: Option<Duration>,
    next_start: Mutex<Instant>,
}

impl Limiter {
    pub fn new(max_concurrency: usize, requests_per_minute: u32) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max_concurrency.max(1))),
            interval: (requests_per_minute > 0)
                .then(|| Duration::from_secs(60) / requests_per_minute),
            next_start: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a free slot and for the rate to allow another start.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        if let Some(interval) = self.interval {
            let wait_until = {
                let mut next = self.next_start.lock().await;
                let start = (*next).max(Instant::now());
                *next = start + interval;
                start
            };
            tokio::time::sleep_until(wait_until).await;
        }
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_starts_by_the_rate() {
        let l = Limiter::new(10, 600); // one start every 100 ms
        let t0 = Instant::now();
        for _ in 0..3 {
            drop(l.acquire().await);
        }
        assert!(Instant::now() - t0 >= Duration::from_millis(200));
    }
}
