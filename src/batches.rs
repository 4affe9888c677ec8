//! Reading a fallible stream in batches: the one loop behind `verbatim ingest`
//! ([`crate::index::CommentWriter::ingest`]) and `verbatim score` ([`crate::score`]).
//!
//! In: items (or the error that ends the stream), a batch size, and what to do with each
//! batch. Out: the first error, returned after the items read before it were handled as a
//! last, shorter batch, so that a caller can make them durable before it reports the error.

/// Hand `items` to `each` in batches of `size` (at least 1; the last may be shorter). An
/// error item ends the stream: what came before it is handed over first, then the error is
/// returned. An error from `each` stops at once.
pub fn for_each_batch<T, E>(
    items: impl Iterator<Item = Result<T, E>>,
    size: usize,
    mut each: impl FnMut(Vec<T>) -> Result<(), E>,
) -> Result<(), E> {
    let size = size.max(1);
    let mut items = items.fuse();
    loop {
        let mut batch = Vec::with_capacity(size.min(4096));
        let mut failure = None;
        for item in items.by_ref() {
            match item {
                Ok(item) => batch.push(item),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            if batch.len() == size {
                break;
            }
        }
        let done = failure.is_some() || batch.len() < size;
        if !batch.is_empty() {
            each(batch)?;
        }
        match failure {
            Some(e) => return Err(e),
            None if done => return Ok(()),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(items: Vec<Result<u32, String>>, size: usize) -> (Vec<Vec<u32>>, Result<(), String>) {
        let mut seen = Vec::new();
        let result = for_each_batch(items.into_iter(), size, |b| {
            seen.push(b);
            Ok(())
        });
        (seen, result)
    }

    #[test]
    fn batches_then_the_error_after_what_came_before_it() {
        let ok = |n: u32| (1..=n).map(Ok).collect::<Vec<_>>();
        assert_eq!(
            run(ok(5), 2),
            (vec![vec![1, 2], vec![3, 4], vec![5]], Ok(()))
        );
        assert_eq!(run(ok(4), 2).0, vec![vec![1, 2], vec![3, 4]]);
        assert_eq!(run(Vec::new(), 2), (Vec::new(), Ok(())));
        let mut items = ok(3);
        items.push(Err("line 4".into()));
        items.push(Ok(5));
        assert_eq!(
            run(items, 2),
            (vec![vec![1, 2], vec![3]], Err("line 4".to_string()))
        );
        assert_eq!(run(ok(2), 0).0, vec![vec![1], vec![2]]);
    }

    #[test]
    fn an_error_from_the_handler_stops_at_once() {
        let mut calls = 0;
        let result = for_each_batch((1..=6).map(Ok::<u32, String>), 2, |_| {
            calls += 1;
            Err("disk full".to_string())
        });
        assert_eq!((calls, result), (1, Err("disk full".to_string())));
    }
}
