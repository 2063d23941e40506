//! Reading a CSV file into rows of the wanted fields, within the limits on rows and
//! fields.

use super::{CsvOptions, MAX_FIELD_BYTES, MAX_ROWS, RowErrors, thousands};

/// A data row: its number in the file and the values of the wanted fields.
pub(in crate::backoffice) struct Row {
    pub row: u64,
    fields: &'static [(&'static str, bool)],
    /// Per wanted field, in `fields` order; `None` when the file has no such column.
    values: Vec<Option<String>>,
}

impl Row {
    /// The field's value, `None` when the file has no such column.
    pub fn get(&self, field: &str) -> Option<&str> {
        let i = self.fields.iter().position(|(f, _)| *f == field)?;
        self.values[i].as_deref()
    }
}

impl std::ops::Index<&str> for Row {
    type Output = str;
    /// The field's value, empty when the file has no such column.
    fn index(&self, field: &str) -> &str {
        self.get(field).unwrap_or_default()
    }
}

/// Row numbers as a person counts the lines of the file. Not the csv crate's line count:
/// it gives a record after CRLF endings or blank lines the number of a line before it
/// (BurntSushi/rust-csv#395), as a record ends at the `\r` and the `\n` is counted when
/// the next record is read. A record's byte offset is right, past the line ends before it.
struct Lines<'a> {
    text: &'a [u8],
    /// A byte offset, and the line it is on.
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a [u8]) -> Self {
        Lines {
            text,
            at: 0,
            line: 1,
        }
    }

    /// The line of the record at byte offset `byte`; offsets come in increasing order.
    fn row_at(&mut self, byte: u64) -> u64 {
        let mut start = (byte as usize).min(self.text.len());
        while self
            .text
            .get(start)
            .is_some_and(|b| *b == b'\r' || *b == b'\n')
        {
            start += 1;
        }
        if start < self.at {
            (self.at, self.line) = (0, 1);
        }
        self.line += self.text[self.at..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.at = start;
        self.line
    }
}

fn excerpt(v: &str) -> String {
    let mut e: String = v.chars().take(24).collect();
    if e.len() < v.len() {
        e.push('…');
    }
    e
}

/// Reads a CSV file of the `fields` given (field, required): UTF-8 with or without BOM,
/// `,`/`;`/tab, headers mapped by `opts.columns`. Refuses more than [`MAX_ROWS`] data rows
/// and fields longer than [`MAX_FIELD_BYTES`], naming row and field. `needs_warehouse`:
/// the file must have a `warehouse` column unless `opts.warehouse` names one.
pub(in crate::backoffice) fn parse(
    fields: &'static [(&'static str, bool)],
    needs_warehouse: bool,
    data: &[u8],
    opts: &CsvOptions,
) -> std::result::Result<Vec<Row>, RowErrors> {
    read(fields, needs_warehouse, data, opts, true)
}

/// [`parse`], with the field limit on the columns read only: for `links apply`, whose
/// file is the unlinked export, where a name from Prom.ua (read leniently, never read
/// back) may be longer and the file must still apply as it is.
pub(in crate::backoffice) fn parse_read_fields(
    fields: &'static [(&'static str, bool)],
    data: &[u8],
) -> std::result::Result<Vec<Row>, RowErrors> {
    read(fields, false, data, &CsvOptions::default(), false)
}

fn read(
    fields: &'static [(&'static str, bool)],
    needs_warehouse: bool,
    data: &[u8],
    opts: &CsvOptions,
    every_field: bool,
) -> std::result::Result<Vec<Row>, RowErrors> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    // Spreadsheets save "Unicode text" as UTF-16, with its byte-order mark.
    if data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF") {
        return Err(RowErrors::single(
            1,
            "(file)",
            "the file is UTF-16 text, not UTF-8: save it as \"CSV UTF-8\"",
        ));
    }
    let text = std::str::from_utf8(data).map_err(|e| {
        let row = data[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        RowErrors::single(
            row,
            "(file)",
            "the file is not UTF-8 text (Windows-1251?): save it as \"CSV UTF-8\"",
        )
    })?;
    if text.trim().is_empty() {
        return Err(RowErrors::single(
            1,
            "(file)",
            "the file is empty: it needs at least its header line",
        ));
    }
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = match opts.delimiter {
        Some(c) if c == ',' || c == ';' || c == '\t' => c as u8,
        Some(c) => {
            return Err(RowErrors::single(
                1,
                "(file)",
                format!("unsupported delimiter `{c}`"),
            ));
        }
        None if header_line.matches(';').count() > header_line.matches(',').count() => b';',
        None => b',',
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(e) => return Err(RowErrors::single(1, "(header)", e.to_string())),
    };
    let mut errors = RowErrors::default();
    for h in &headers {
        if h.len() > MAX_FIELD_BYTES {
            errors.add(
                1,
                "(header)",
                format!(
                    "a column name of {} bytes (`{}`); a field holds at most {} bytes",
                    thousands(h.len() as u64),
                    excerpt(h),
                    thousands(MAX_FIELD_BYTES as u64)
                ),
            );
        }
    }
    // Per wanted field, its column; and per column, the name an error gives it.
    let mut index: Vec<Option<usize>> = Vec::with_capacity(fields.len());
    let mut column_names: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if h.is_empty() {
                format!("(column {})", i + 1)
            } else {
                excerpt(h)
            }
        })
        .collect();
    for (field, required) in fields {
        let wanted = opts
            .columns
            .get(*field)
            .map_or_else(|| field.to_string(), |c| c.trim().to_lowercase());
        let at = headers.iter().position(|h| *h == wanted);
        if let Some(i) = at {
            column_names[i] = field.to_string();
        } else if *required {
            errors.add(
                1,
                field,
                format!(
                    "missing column `{wanted}` (the header has: {})",
                    headers
                        .iter()
                        .map(|h| excerpt(h))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        index.push(at);
    }
    let warehouse_column = fields
        .iter()
        .zip(&index)
        .any(|((f, _), i)| *f == "warehouse" && i.is_some());
    if needs_warehouse && !warehouse_column && opts.warehouse.is_none() {
        errors.add(
            1,
            "warehouse",
            "no `warehouse` column: add one or name the warehouse (--warehouse)",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut lines = Lines::new(text.as_bytes());
    let mut count = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = e.position().map_or(0, |p| lines.row_at(p.byte()));
                errors.add(row, "(row)", e.to_string());
                continue;
            }
        }
        let row = record.position().map_or(0, |p| lines.row_at(p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            errors.add(
                row,
                "(file)",
                format!(
                    "more than {} data rows: a file holds at most {} rows; split it",
                    thousands(MAX_ROWS as u64),
                    thousands(MAX_ROWS as u64)
                ),
            );
            break;
        }
        if record.len() != headers.len() {
            errors.add(
                row,
                "(row)",
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let mut too_long = false;
        for (i, f) in record.iter().enumerate() {
            if f.len() > MAX_FIELD_BYTES && (every_field || index.contains(&Some(i))) {
                too_long = true;
                errors.add(
                    row,
                    &column_names[i],
                    format!(
                        "`{}` is {} bytes long; a field holds at most {} bytes (4 KiB)",
                        excerpt(f),
                        thousands(f.len() as u64),
                        thousands(MAX_FIELD_BYTES as u64)
                    ),
                );
            }
        }
        if too_long || !errors.is_empty() {
            // Only the errors matter now: keep reading for them, not the rows.
            rows = Vec::new();
            continue;
        }
        let values = index
            .iter()
            .map(|i| i.map(|i| record.get(i).unwrap_or_default().to_string()))
            .collect();
        rows.push(Row {
            row,
            fields,
            values,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[(&str, bool)] = &[("sku", true), ("quantity", true)];

    #[test]
    fn crlf_rows_are_numbered_as_in_the_file() {
        for ending in ["\n", "\r\n"] {
            let text = ["sku,quantity", "A,1", "B,2", "C,3,extra", "D,4", ""].join(ending);
            let errors = match parse(FIELDS, false, text.as_bytes(), &Default::default()) {
                Err(e) => e,
                Ok(_) => panic!("row 4 has a field too many"),
            };
            let rows: Vec<u64> = errors.iter().map(|e| e.row).collect();
            assert_eq!(rows, vec![4], "{ending:?}: {errors}");
            let ok = ["sku,quantity", "A,1", "", "B,2", ""].join(ending);
            let rows = parse(FIELDS, false, ok.as_bytes(), &Default::default()).unwrap();
            let at: Vec<(u64, &str)> = rows.iter().map(|r| (r.row, &r["sku"])).collect();
            assert_eq!(at, vec![(2, "A"), (4, "B")], "{ending:?}");
            // A quoted field over two lines: the next row is numbered after both.
            let text = ["sku,quantity", "\"B", "B\",2", "C,3,extra", ""].join(ending);
            let errors = parse(FIELDS, false, text.as_bytes(), &Default::default()).err();
            let rows: Vec<u64> = errors
                .iter()
                .flat_map(|e| e.iter().map(|e| e.row))
                .collect();
            assert_eq!(rows, vec![4], "{ending:?}");
        }
    }
}
