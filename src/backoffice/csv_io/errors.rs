//! What is wrong with a CSV file: its first errors, row by row, and how many rows have
//! errors in all.

use serde::{Deserialize, Serialize};

/// One thing wrong in a file: the row (the header is row 1), the field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

/// What is wrong with a file: the first [`RowErrors::LISTED`] errors, and how many rows
/// have errors in all (a file of a million bad rows is not a million-line answer).
/// Derefs to the listed errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    listed: Vec<RowError>,
    rows_with_errors: usize,
    /// Distinct rows among `listed`.
    listed_rows: usize,
    last_row: Option<u64>,
}

impl RowErrors {
    /// How many errors an answer lists.
    pub const LISTED: usize = 20;

    /// Adds an error; rows come in file order.
    pub fn push(&mut self, e: RowError) {
        if self.last_row != Some(e.row) {
            self.last_row = Some(e.row);
            self.rows_with_errors += 1;
            if self.listed.len() < Self::LISTED {
                self.listed_rows += 1;
            }
        }
        if self.listed.len() < Self::LISTED {
            self.listed.push(e);
        }
    }

    pub fn add(&mut self, row: u64, field: &str, message: impl Into<String>) {
        self.push(RowError {
            row,
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn single(row: u64, field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(row, field, message);
        e
    }

    /// As received over the API.
    pub fn from_parts(listed: Vec<RowError>, rows_with_errors: usize, more_rows: usize) -> Self {
        let mut rows: Vec<u64> = listed.iter().map(|e| e.row).collect();
        rows.dedup();
        Self {
            rows_with_errors: rows_with_errors.max(rows.len() + more_rows),
            listed_rows: rows.len(),
            last_row: listed.last().map(|e| e.row),
            listed,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// Rows with at least one error, listed or not.
    pub fn rows_with_errors(&self) -> usize {
        self.rows_with_errors
    }

    /// Rows with errors that the list leaves out.
    pub fn more_rows(&self) -> usize {
        self.rows_with_errors - self.listed_rows
    }

    /// One line for an API answer (the rows are beside it).
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} row(s) of the file are wrong; nothing was applied",
            thousands(self.rows_with_errors as u64)
        );
        if self.more_rows() > 0 {
            s += &format!(
                " (the first {} errors are listed; and {} more rows with errors)",
                self.listed.len(),
                thousands(self.more_rows() as u64)
            );
        }
        s
    }
}

impl std::ops::Deref for RowErrors {
    type Target = [RowError];
    fn deref(&self) -> &[RowError] {
        &self.listed
    }
}

/// One line per listed error, then how many rows with errors are left out.
impl std::fmt::Display for RowErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut lines: Vec<String> = self
            .listed
            .iter()
            .map(|e| format!("  row {}, {}: {}", e.row, e.field, e.message))
            .collect();
        if self.more_rows() > 0 {
            lines.push(format!(
                "  … and {} more rows with errors",
                thousands(self.more_rows() as u64)
            ));
        }
        f.write_str(&lines.join("\n"))
    }
}

/// `3999980` → `3,999,980`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_list_twenty_and_count_the_rest_by_row() {
        let mut e = RowErrors::default();
        for row in 2..4_000_002u64 {
            e.add(row, "quantity", "bad");
            if row == 2 {
                e.add(row, "sku", "also bad");
            }
        }
        assert_eq!(e.len(), 20);
        assert_eq!(e.rows_with_errors(), 4_000_000);
        assert_eq!(e.more_rows(), 4_000_000 - 19);
        assert!(
            e.to_string()
                .ends_with("… and 3,999,981 more rows with errors")
        );
        let back = RowErrors::from_parts(e.to_vec(), e.rows_with_errors(), e.more_rows());
        assert_eq!(back.more_rows(), e.more_rows());
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(3_999_980), "3,999,980");
    }
}
