//! Admission to the executor's instance slots, by who a call is for.
//!
//! Block import, block authoring, the transaction pool and RPC share one executor. Without
//! admission, a flood of slow RPC calls holds every instance slot and import fails to
//! instantiate the runtime. [`Slots`] gives each [`CallClass`] a ceiling and keeps a reserve
//! that only [`CallClass::Block`] may use, so block execution always finds a slot as soon as the
//! calls holding the reserve end (each call ends within its time limit).
//!
//! Invariant: `in_use[Pool] + in_use[Offchain] <= total - reserved`, `in_use[c] <= limit[c]`,
//! and the sum of `in_use` never exceeds `total`.

use crate::ExecutionError;
use parking_lot::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Who a runtime call is for: decides how many slots its class may hold, how long it may wait
/// for one and how long it may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallClass {
    /// Executing, checking or building blocks, and the consensus engine's reads of the chain
    /// (proposers, committees): may use every slot, including the reserve, and waits for one.
    Block,
    /// Validating transactions for the pool.
    Pool,
    /// Everything else: RPC queries, dry runs, the node's own services. The fewest slots and
    /// the shortest time limit.
    Offchain,
}

impl CallClass {
    fn index(self) -> usize {
        match self {
            Self::Block => 0,
            Self::Pool => 1,
            Self::Offchain => 2,
        }
    }
}

/// Slot limits: `total` slots, `reserved` of them only for [`CallClass::Block`], and each
/// other class's ceiling.
#[derive(Clone, Copy, Debug)]
pub struct SlotLimits {
    /// All slots.
    pub total: u32,
    /// Slots only block execution may take.
    pub reserved: u32,
    /// Most slots transaction validation may hold.
    pub pool: u32,
    /// Most slots offchain calls may hold.
    pub offchain: u32,
}

/// Counts the slots in use and admits calls by class.
pub(crate) struct Slots {
    limits: SlotLimits,
    in_use: Mutex<[u32; 3]>,
    freed: Condvar,
}

/// A slot, released on drop.
pub(crate) struct Slot<'a> {
    slots: &'a Slots,
    class: CallClass,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut in_use = self.slots.in_use.lock();
        in_use[self.class.index()] -= 1;
        drop(in_use);
        self.slots.freed.notify_all();
    }
}

impl Slots {
    pub(crate) fn new(limits: SlotLimits) -> Self {
        let reserved = limits.reserved.min(limits.total.saturating_sub(1));
        let shared = limits.total - reserved;
        Self {
            limits: SlotLimits {
                total: limits.total,
                reserved,
                pool: limits.pool.min(shared),
                offchain: limits.offchain.min(shared),
            },
            in_use: Mutex::new([0; 3]),
            freed: Condvar::new(),
        }
    }

    fn admits(&self, in_use: &[u32; 3], class: CallClass) -> bool {
        let all: u32 = in_use.iter().sum();
        match class {
            CallClass::Block => all < self.limits.total,
            CallClass::Pool | CallClass::Offchain => {
                let ceiling = match class {
                    CallClass::Pool => self.limits.pool,
                    _ => self.limits.offchain,
                };
                in_use[class.index()] < ceiling
                    && in_use[1] + in_use[2] < self.limits.total - self.limits.reserved
                    && all < self.limits.total
            }
        }
    }

    /// A slot for `class`, waiting up to `wait` (`None`: as long as it takes) for one.
    pub(crate) fn acquire(
        &self,
        class: CallClass,
        wait: Option<Duration>,
    ) -> Result<Slot<'_>, ExecutionError> {
        let deadline = wait.map(|wait| Instant::now() + wait);
        let mut in_use = self.in_use.lock();
        while !self.admits(&in_use, class) {
            match deadline {
                None => self.freed.wait(&mut in_use),
                Some(deadline) => {
                    if self.freed.wait_until(&mut in_use, deadline).timed_out()
                        && !self.admits(&in_use, class)
                    {
                        return Err(ExecutionError::Busy(class));
                    }
                }
            }
        }
        in_use[class.index()] += 1;
        Ok(Slot { slots: self, class })
    }

    /// Slots in use, by class (block, pool, offchain).
    pub(crate) fn in_use(&self) -> [u32; 3] {
        *self.in_use.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Slots {
        Slots::new(SlotLimits {
            total: 6,
            reserved: 2,
            pool: 3,
            offchain: 2,
        })
    }

    #[test]
    fn offchain_calls_never_take_the_reserve_or_more_than_their_ceiling() {
        let slots = slots();
        let held: Vec<_> = (0..2)
            .map(|_| slots.acquire(CallClass::Offchain, Some(Duration::ZERO)))
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(matches!(
            slots.acquire(CallClass::Offchain, Some(Duration::from_millis(5))),
            Err(ExecutionError::Busy(CallClass::Offchain))
        ));
        let pool: Vec<_> = (0..2)
            .map(|_| slots.acquire(CallClass::Pool, Some(Duration::ZERO)))
            .collect::<Result<_, _>>()
            .unwrap();
        // Four shared slots are taken: the pool's third would eat the reserve.
        assert!(
            slots
                .acquire(CallClass::Pool, Some(Duration::ZERO))
                .is_err()
        );
        let blocks: Vec<_> = (0..2)
            .map(|_| slots.acquire(CallClass::Block, Some(Duration::ZERO)))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(slots.in_use(), [2, 2, 2]);
        assert!(
            slots
                .acquire(CallClass::Block, Some(Duration::ZERO))
                .is_err()
        );
        drop((held, pool, blocks));
        assert_eq!(slots.in_use(), [0, 0, 0]);
    }

    #[test]
    fn a_block_call_waits_for_a_slot_and_gets_it_when_one_is_freed() {
        let slots = slots();
        let mut held: Vec<_> = (0..6)
            .map(|_| slots.acquire(CallClass::Block, None))
            .collect::<Result<_, _>>()
            .unwrap();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| slots.acquire(CallClass::Block, None).map(|_| ()));
            std::thread::sleep(Duration::from_millis(20));
            assert!(!waiter.is_finished(), "every slot is taken");
            held.pop();
            assert!(waiter.join().unwrap().is_ok());
        });
    }
}
