//! Deadlines: every open order waits for one block (delivery, confirmation or dispute), queued
//! in `DeadlineQueue` and settled by `on_initialize` at that block or, past the per-block cap,
//! in the blocks after it (never early).

use crate::{
    Config, DeadlineQueue, MAX_CURSOR_STEPS, MAX_SETTLEMENTS_PER_BLOCK, OrderId, OrderStatus,
    Orders, Pallet, Ruling, SettleCursor,
};
use alloc::vec::Vec;
use cpc_primitives::BlockNumber;

impl<T: Config> Pallet<T> {
    /// Queues `order`'s deadline at block `due`.
    pub(crate) fn schedule(due: BlockNumber, order: OrderId) {
        DeadlineQueue::insert(&due, &order, &());
    }

    /// Settles due deadlines, oldest block first, at most `MAX_SETTLEMENTS_PER_BLOCK`; the
    /// rest wait for the next blocks. Returns (orders settled, deadline blocks read).
    pub(crate) fn settle_deadlines(n: BlockNumber) -> (u32, u32) {
        let mut cursor = SettleCursor::get().unwrap_or(n);
        let (mut settled, mut steps) = (0u32, 0u32);
        while cursor <= n && steps < MAX_CURSOR_STEPS {
            steps += 1;
            let room = (MAX_SETTLEMENTS_PER_BLOCK - settled) as usize;
            let due: Vec<OrderId> = DeadlineQueue::iter_prefix(&cursor)
                .map(|(id, ())| id)
                .take(room + 1)
                .collect();
            for id in due.iter().take(room) {
                DeadlineQueue::remove(&cursor, id);
                Self::settle(*id, cursor);
                settled += 1;
            }
            if due.len() > room {
                // More are due at this block than fit: the next block goes on here.
                break;
            }
            cursor += 1;
            if settled == MAX_SETTLEMENTS_PER_BLOCK {
                break;
            }
        }
        SettleCursor::put(&cursor);
        (settled, steps)
    }

    /// Settles order `id` for its deadline at block `due`, if it still waits for it: an order
    /// that moved on (delivered, confirmed, disputed, ruled) has a later deadline or none.
    fn settle(id: OrderId, due: BlockNumber) {
        let Some(order) = Orders::get(&id) else {
            return;
        };
        match order.status {
            OrderStatus::Created if order.delivery_deadline == due => Self::refund(id, order),
            OrderStatus::Delivered if order.confirmation_deadline == Some(due) => {
                Self::complete(id, order, true)
            }
            OrderStatus::Disputed if order.dispute_deadline == Some(due) => {
                // A refund cannot fail: the ruling is valid.
                let _ = Self::rule(id, order, Ruling::RefundBuyer, None, true);
            }
            _ => {}
        }
    }
}
