//! Paging of query results into batches and the `nextRecordsUrl` locators that continue them.
//! The HTTP layer keeps the cursors (keyed by [`QueryCursor::key`]); this module owns no state.

use serde_json::{json, Value};

use super::eval::{QueryResult, API_VERSION};

pub const DEFAULT_BATCH_SIZE: usize = 2000;
/// The range `Sforce-Query-Options: batchSize=N` may ask for (UNCONFIRMED: values outside are
/// clamped here rather than refused).
pub const MIN_BATCH_SIZE: usize = 200;
pub const MAX_BATCH_SIZE: usize = 2000;

/// The batch size a `Sforce-Query-Options` header asks for, or the default.
pub fn batch_size_from_header(header: Option<&str>) -> usize {
    header
        .into_iter()
        .flat_map(|h| h.split(','))
        .filter_map(|part| part.trim().strip_prefix("batchSize="))
        .find_map(|n| n.trim().parse::<usize>().ok())
        .map_or(DEFAULT_BATCH_SIZE, |n| {
            n.clamp(MIN_BATCH_SIZE, MAX_BATCH_SIZE)
        })
}

/// One response body of `/query` or `/query/<locator>`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPage {
    pub total_size: usize,
    pub done: bool,
    pub next_records_url: Option<String>,
    pub records: Vec<Value>,
}

impl QueryPage {
    /// `{"totalSize","done","nextRecordsUrl"?,"records"}`; `nextRecordsUrl` only while not done.
    pub fn to_json(&self) -> Value {
        let mut body =
            json!({ "totalSize": self.total_size, "done": self.done, "records": self.records });
        if let Some(url) = &self.next_records_url {
            body["nextRecordsUrl"] = json!(url);
        }
        body
    }
}

/// The rest of a result, waiting for its `nextRecordsUrl` to be fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryCursor {
    /// 18-char query locator id (`01g…`).
    pub locator: String,
    pub total_size: usize,
    /// Index in the full result of the first record still to send.
    pub next_index: usize,
    pub batch_size: usize,
    /// The records from `next_index` on.
    pub remaining: Vec<Value>,
}

impl QueryCursor {
    /// `01gXXXXXXXXXXXXAAA-2000`: the locator id and the index of the next record, as in
    /// `nextRecordsUrl` (the HTTP layer's map key, and the last path segment it receives).
    pub fn key(&self) -> String {
        format!("{}-{}", self.locator, self.next_index)
    }

    pub fn next_records_url(&self) -> String {
        format!("/services/data/{API_VERSION}/query/{}", self.key())
    }

    /// The next batch, and the cursor for what follows it, if anything does.
    pub fn next_batch(mut self) -> (QueryPage, Option<QueryCursor>) {
        let take = self.batch_size.min(self.remaining.len());
        let records: Vec<Value> = self.remaining.drain(..take).collect();
        self.next_index += take;
        finish(self, records)
    }
}

fn finish(cursor: QueryCursor, records: Vec<Value>) -> (QueryPage, Option<QueryCursor>) {
    if cursor.remaining.is_empty() {
        let page = QueryPage {
            total_size: cursor.total_size,
            done: true,
            next_records_url: None,
            records,
        };
        return (page, None);
    }
    let page = QueryPage {
        total_size: cursor.total_size,
        done: false,
        next_records_url: Some(cursor.next_records_url()),
        records,
    };
    (page, Some(cursor))
}

/// The first batch of `result`, and a cursor when more remain. `locator_seq` makes the locator
/// id unique; the caller supplies it (a counter) so that this stays free of global state.
pub fn first_batch(
    result: QueryResult,
    batch_size: usize,
    locator_seq: u64,
) -> (QueryPage, Option<QueryCursor>) {
    let cursor = QueryCursor {
        locator: locator_id(locator_seq),
        total_size: result.total_size,
        next_index: 0,
        batch_size: batch_size.max(1),
        remaining: result.records,
    };
    cursor.next_batch()
}

/// An 18-char id with the query-locator key prefix `01g`.
pub fn locator_id(seq: u64) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    let mut n = seq;
    for _ in 0..8 {
        digits.push(BASE62[(n % 62) as usize] as char);
        n /= 62;
    }
    let body: String = digits.into_iter().rev().collect();
    let id15 = format!("01g5g00{body}");
    let suffix = id_suffix(&id15);
    format!("{id15}{suffix}")
}

/// Salesforce's 3-char case-safe suffix: for each 5-char chunk, a bit per uppercase letter.
pub fn id_suffix(id15: &str) -> String {
    const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            TABLE[bits] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(n: usize) -> QueryResult {
        QueryResult {
            total_size: n,
            records: (0..n).map(|i| json!({ "i": i })).collect(),
        }
    }

    #[test]
    fn suffix_matches_known_ids() {
        assert_eq!(id_suffix("003D000000IRFma"), "IAH");
        assert_eq!(id_suffix("001D000000Iomaz"), "IAB");
        assert_eq!(locator_id(7).len(), 18);
        assert!(locator_id(7).starts_with("01g"));
        assert_ne!(locator_id(7), locator_id(8));
    }

    #[test]
    fn pages_follow_each_other_until_done() {
        let (page, cursor) = first_batch(result(4500), DEFAULT_BATCH_SIZE, 1);
        assert_eq!(
            (page.total_size, page.done, page.records.len()),
            (4500, false, 2000)
        );
        let cursor = cursor.unwrap();
        assert_eq!(
            page.next_records_url,
            Some(format!("/services/data/v51.0/query/{}-2000", locator_id(1)))
        );
        let (page2, cursor2) = cursor.next_batch();
        assert_eq!(page2.records[0]["i"], 2000);
        assert!(page2.to_json()["nextRecordsUrl"]
            .as_str()
            .unwrap()
            .ends_with("-4000"));
        let (page3, cursor3) = cursor2.unwrap().next_batch();
        assert_eq!((page3.done, page3.records.len()), (true, 500));
        assert!(cursor3.is_none());
        assert!(page3.to_json().get("nextRecordsUrl").is_none());
        assert_eq!(page3.to_json()["totalSize"], 4500);
    }

    #[test]
    fn empty_and_exact_results_are_done_at_once() {
        let (page, cursor) = first_batch(result(0), 2000, 1);
        assert_eq!(
            page.to_json(),
            json!({"totalSize": 0, "done": true, "records": []})
        );
        assert!(cursor.is_none());
        let (page, cursor) = first_batch(result(2000), 2000, 1);
        assert!(page.done && cursor.is_none());
    }

    #[test]
    fn batch_size_header_is_clamped() {
        assert_eq!(batch_size_from_header(None), 2000);
        assert_eq!(batch_size_from_header(Some("batchSize=500")), 500);
        assert_eq!(batch_size_from_header(Some("batchSize=5")), 200);
        assert_eq!(batch_size_from_header(Some("batchSize=9000")), 2000);
    }
}
