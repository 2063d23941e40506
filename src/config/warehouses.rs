//! The warehouse names: `[sync]` declares them (pushed to Prom.ua or kept locally), and
//! every other key that names a warehouse must name a declared one.

use std::collections::BTreeSet;

use super::compiler::Compiler;
use super::key_path::Seg;

impl Compiler<'_, '_> {
    /// Checks the names of one list of warehouses; `seen` holds the names met so far.
    pub fn warehouse_list(
        &mut self,
        at: &[Seg],
        names: &[String],
        seen: &mut BTreeSet<String>,
        twice: &str,
    ) -> (Vec<String>, bool) {
        let mut ok = true;
        let mut out = Vec::new();
        for (i, w) in names.iter().enumerate() {
            // The name's own place in the list, not the whole list's.
            let mut here = at.to_vec();
            here.push(Seg::Index(i));
            let name = w.trim();
            if name.is_empty() {
                self.error(&here, false, "a warehouse name is empty", None);
                ok = false;
            } else if !seen.insert(name.to_string()) {
                self.error(
                    &here,
                    false,
                    format!("warehouse `{name}` is listed twice{twice}"),
                    None,
                );
                ok = false;
            } else {
                out.push(name.to_string());
            }
        }
        (out, ok)
    }

    /// Says which warehouses are declared, for a message about one that is not.
    fn declared_warehouses(&self) -> String {
        let Some((pushed, local)) = &self.warehouses else {
            return String::new();
        };
        let mut s = format!(
            "[sync] warehouses (pushed to Prom.ua): {}",
            pushed.join(", ")
        );
        if local.is_empty() {
            s.push_str("; [sync] local_warehouses (kept locally): none");
        } else {
            s.push_str(&format!(
                "; [sync] local_warehouses (kept locally): {}",
                local.join(", ")
            ));
        }
        s
    }

    /// A warehouse named by a key must be declared in `[sync] warehouses` or, when
    /// `local_ok`, in `[sync] local_warehouses`: stock written anywhere else would be
    /// stock no job pushes and no command shows.
    pub fn check_warehouse(&mut self, at: &[Seg], name: &str, local_ok: bool) -> bool {
        if !self.check_not_blank(at, name, "a warehouse declared in [sync] warehouses") {
            return false;
        }
        let Some((pushed, local)) = self.warehouses.clone() else {
            return true;
        };
        let name = name.trim();
        if pushed.iter().any(|w| w == name) || (local_ok && local.iter().any(|w| w == name)) {
            return true;
        }
        let declared = self.declared_warehouses();
        if local.iter().any(|w| w == name) {
            self.error(
                at,
                false,
                format!(
                    "warehouse `{name}` is a local warehouse: Prom.ua does not see its stock, \
                     but what orders reserve is taken off the stock Prom.ua is shown"
                ),
                Some(&format!(
                    "use one of [sync] warehouses: {}",
                    pushed.join(", ")
                )),
            );
        } else {
            self.error(
                at,
                false,
                format!("warehouse `{name}` is not declared"),
                Some(&format!(
                    "declared: {declared}; declare it in [sync] warehouses (pushed) or \
                     local_warehouses (not pushed)"
                )),
            );
        }
        false
    }
}
