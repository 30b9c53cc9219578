//! Deadlines: every open order waits for one block (delivery, confirmation or dispute), queued
//! in `DeadlineQueue` and settled by `on_initialize` at that block or, past the per-block cap,
//! in the blocks after it (never early). Closed orders wait in `ExpiryQueue` the same way for
//! the block they expire at.

use crate::{
    Config, DeadlineQueue, Event, ExpiryCursor, ExpiryQueue, MAX_CURSOR_STEPS,
    MAX_EXPIRIES_PER_BLOCK, MAX_SETTLEMENTS_PER_BLOCK, OrderId, OrderStatus, Orders, OrdersOf,
    Pallet, ProtocolPaid, Ruling, Rulings, SettleCursor,
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
        let start = SettleCursor::get().unwrap_or(n);
        let (settled, steps, cursor) = drain_due(
            start,
            n,
            MAX_SETTLEMENTS_PER_BLOCK,
            |block, take| {
                DeadlineQueue::iter_prefix(&block)
                    .map(|(id, ())| id)
                    .take(take)
                    .collect()
            },
            |block, id| {
                DeadlineQueue::remove(&block, &id);
                Self::settle(id, block);
            },
        );
        SettleCursor::put(&cursor);
        (settled, steps)
    }

    /// Removes closed orders whose retention ended, oldest block first, at most
    /// `MAX_EXPIRIES_PER_BLOCK`; the rest wait for the next blocks. Returns (orders removed,
    /// expiry blocks read).
    pub(crate) fn expire_orders(n: BlockNumber) -> (u32, u32) {
        let start = ExpiryCursor::get().unwrap_or(n);
        let (expired, steps, cursor) = drain_due(
            start,
            n,
            MAX_EXPIRIES_PER_BLOCK,
            |block, take| {
                ExpiryQueue::iter_prefix(&block)
                    .map(|(id, ())| id)
                    .take(take)
                    .collect()
            },
            |block, id| {
                ExpiryQueue::remove(&block, &id);
                Self::expire(id);
            },
        );
        ExpiryCursor::put(&cursor);
        (expired, steps)
    }

    /// Removes closed order `id`, its index entries and its ruling.
    fn expire(id: OrderId) {
        let Some(order) = Orders::get(&id) else {
            return;
        };
        if order.status.is_open() {
            // Never queued while open; kept rather than lose an escrow's record.
            return;
        }
        Orders::remove(&id);
        for party in [order.buyer, order.seller, order.proxy] {
            OrdersOf::remove(&party, &id);
        }
        Rulings::remove(&id);
        ProtocolPaid::remove(&id);
        Self::deposit_event(Event::OrderExpired { order: id });
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

/// Walks a queue of orders keyed by block, from block `cursor` up to `n`, handing at most
/// `cap` entries to `handle` (which removes them from the queue), oldest block first, reading
/// at most `MAX_CURSOR_STEPS` blocks. `due(block, k)` lists up to `k` entries of a block.
/// Returns (entries handled, blocks read, the cursor to resume from): a block with more
/// entries than fit is resumed at the next call, never skipped.
fn drain_due(
    mut cursor: BlockNumber,
    n: BlockNumber,
    cap: u32,
    due: impl Fn(BlockNumber, usize) -> Vec<OrderId>,
    mut handle: impl FnMut(BlockNumber, OrderId),
) -> (u32, u32, BlockNumber) {
    let (mut handled, mut steps) = (0u32, 0u32);
    while cursor <= n && steps < MAX_CURSOR_STEPS {
        steps += 1;
        let room = (cap - handled) as usize;
        let entries = due(cursor, room + 1);
        for id in entries.iter().take(room) {
            handle(cursor, *id);
            handled += 1;
        }
        if entries.len() > room {
            break;
        }
        cursor += 1;
        if handled == cap {
            break;
        }
    }
    (handled, steps, cursor)
}
