//! A way for tests to make the sandbox refuse one field of a product's edits (e.g. its
//! `discount`) as Prom.ua may, the rest of the item being refused with it (Prom refuses
//! an item whole).

use super::Sandbox;

impl Sandbox {
    /// Edits of `prom_id` carrying `field` are refused in `errors`, naming `field` with
    /// `message`; edits without it go through.
    pub fn reject_field(&self, prom_id: i64, field: &str, message: &str) {
        self.lock()
            .field_rejections
            .insert((prom_id, field.to_string()), message.to_string());
    }
}
