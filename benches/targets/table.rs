//! The table the benchmark prints: each figure, its bound and their ratio.

/// What a figure is measured in, for printing.
#[derive(Clone, Copy)]
pub enum Unit {
    Ms,
    Secs,
    MiB,
    Bytes,
    Requests,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::Ms => format!("{v:.1} ms"),
            Unit::Secs => format!("{v:.2} s"),
            Unit::MiB => format!("{v:.1} MiB"),
            Unit::Bytes => format!("{v:.0} B"),
            Unit::Requests => format!("{v:.0} requests"),
        }
    }
}

pub struct Row {
    pub figure: String,
    pub size: usize,
    pub measured: f64,
    /// None: no bound at this size (measured for the record).
    pub bound: Option<f64>,
    pub unit: Unit,
    /// The ratio that still meets the target (1.0, or 1.1 for the cold push).
    pub allowed: f64,
    pub note: String,
}

impl Row {
    pub fn new(figure: &str, size: usize, measured: f64, bound: Option<f64>, unit: Unit) -> Self {
        Row {
            figure: figure.into(),
            size,
            measured,
            bound,
            unit,
            allowed: 1.0,
            note: String::new(),
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    pub fn allowed(mut self, ratio: f64) -> Self {
        self.allowed = ratio;
        self
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn print(rows: &[Row]) {
    println!("| figure | size | measured | bound | ratio | met? | note |");
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
        let (bound, ratio, met) = match r.bound {
            Some(b) => {
                let ratio = r.measured / b;
                let met = if ratio <= r.allowed { "yes" } else { "**no**" };
                let ratio = if r.allowed == 1.0 {
                    format!("{ratio:.2}")
                } else {
                    format!("{ratio:.2} (≤ {:.1})", r.allowed)
                };
                (r.unit.show(b), ratio, met)
            }
            None => ("—".into(), "—".into(), "—"),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.figure,
            thousands(r.size),
            r.unit.show(r.measured),
            bound,
            ratio,
            met,
            r.note
        );
    }
}
