//! Per-thread scratch buffers, reused from one article to the next.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Runs `f` with this thread's `T` from `cell`, reused from call to call: allocating and
/// growing buffers for every article costs a measurable share of hashing. Afterwards the
/// buffer is replaced by a fresh one if `too_big` says it holds more memory than is worth
/// keeping for the thread's life (a huge article's). A call made from inside `f`, while the
/// thread's buffer is in use, gets a fresh one.
pub(crate) fn with_scratch<T: Default, R>(
    cell: &'static LocalKey<RefCell<T>>,
    too_big: impl FnOnce(&T) -> bool,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    cell.with(|c| match c.try_borrow_mut() {
        Ok(mut scratch) => {
            let out = f(&mut scratch);
            if too_big(&scratch) {
                *scratch = T::default();
            }
            out
        }
        Err(_) => f(&mut T::default()),
    })
}
