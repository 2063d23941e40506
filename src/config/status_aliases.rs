//! The local order statuses the `status_map`s send under Prom.ua's names: what each
//! means for stock follows (`domain::ReservationPolicy::class`).

/// What the `push_statuses` jobs' `status_map`s say each local status is on Prom.ua
/// (the first job's word, if two differ): a local `cancelled_by_buyer` sent as
/// `canceled` releases its stock as `canceled` does, unless `[sync]` names it.
pub(super) fn status_aliases(
    jobs: &[super::JobConfig],
    warnings: &mut Vec<String>,
) -> Vec<(String, String)> {
    let mut aliases: Vec<(String, String, &str)> = Vec::new();
    for job in jobs {
        if let super::JobKind::PushStatuses(o) = &job.kind {
            for (local, target) in &o.status_map {
                match aliases.iter().find(|(l, _, _)| l == local) {
                    None => aliases.push((local.clone(), target.status().to_string(), &job.name)),
                    Some((_, prom, first)) if prom != target.status() => warnings.push(format!(
                        "jobs `{first}` and `{}` send local status `{local}` as different Prom.ua statuses (`{prom}`, `{}`): what it holds follows `{first}`'s",
                        job.name,
                        target.status()
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    aliases.into_iter().map(|(l, p, _)| (l, p)).collect()
}
