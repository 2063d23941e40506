//! The decision's precedence and hiding rules.
use super::*;

/// The default job's rules (the options leaked: a test's lifetime).
fn rules() -> PresenceRules<'static> {
    Box::leak(Box::new(crate::config::PushStockOptions::default())).presence_rules()
}

#[test]
fn in_stock_is_available_whatever_else_is_known() {
    let k = Known {
        setting: Some(ORDER),
        prom_presence: Some(WAITING),
        ..Known::default()
    };
    let w = decide(3, k, &rules());
    assert_eq!((w.quantity, w.presence), (3, AVAILABLE));
    assert_eq!(w.presence_why, PresenceWhy::InStock);
    assert_eq!(w.status, None);
}

#[test]
fn at_zero_the_product_setting_then_prom_then_the_job_option_decide() {
    let mut r = rules();
    r.out_of_stock_presence = WAITING;
    let setting = Known {
        setting: Some(NOT_AVAILABLE),
        prom_presence: Some(ORDER),
        ..Known::default()
    };
    let w = decide(0, setting, &r);
    assert_eq!(
        (w.presence, w.presence_why),
        (NOT_AVAILABLE, PresenceWhy::ProductSetting)
    );
    assert_eq!(
        w.presence_reason(),
        "stock 0 -> not_available (product setting)"
    );
    let kept = Known {
        prom_presence: Some(ORDER),
        ..Known::default()
    };
    let w = decide(-2, kept, &r);
    assert_eq!((w.quantity, w.presence), (0, ORDER));
    assert_eq!(w.presence_reason(), "kept order (Prom shows order)");
    let shown_available = Known {
        prom_presence: Some(AVAILABLE),
        ..Known::default()
    };
    let w = decide(0, shown_available, &r);
    assert_eq!(
        (w.presence, w.presence_why),
        (WAITING, PresenceWhy::JobOption)
    );
    r.keep_presence = &[];
    assert_eq!(
        decide(0, kept, &r).presence,
        WAITING,
        "keep_presence = [] keeps none"
    );
    assert_eq!(
        decide(0, Known::default(), &rules()).presence,
        NOT_AVAILABLE
    );
}

#[test]
fn hiding_touches_only_what_we_hid() {
    let mut r = rules();
    assert_eq!(
        decide(0, Known::default(), &r).status,
        None,
        "off by default"
    );
    r.hide_when_out = true;
    let w = decide(0, Known::default(), &r);
    assert_eq!(w.status, Some((NOT_ON_DISPLAY, StatusWhy::Hide)));
    assert!(w.hidden_by_us);
    // Hidden by us: nothing more at 0, shown when stock returns.
    let ours = Known {
        hidden_by_us: true,
        prom_status: Some(NOT_ON_DISPLAY),
        ..Known::default()
    };
    let w = decide(0, ours, &r);
    assert_eq!((w.status, w.hidden_by_us), (None, true));
    let w = decide(4, ours, &r);
    assert_eq!(w.status, Some((ON_DISPLAY, StatusWhy::Show)));
    assert!(!w.hidden_by_us);
    // Hidden (or drafted) by the seller: never shown, never hidden again.
    for status in [NOT_ON_DISPLAY, "draft", "approval_pending"] {
        let theirs = Known {
            prom_status: Some(status),
            ..Known::default()
        };
        assert_eq!(decide(4, theirs, &r).status, None, "{status}");
        assert_eq!(decide(0, theirs, &r).status, None, "{status}");
    }
    // Hidden by us, then made a draft by the seller: theirs now, never shown, mark gone.
    let drafted = Known {
        hidden_by_us: true,
        prom_status: Some("draft"),
        ..Known::default()
    };
    let w = decide(4, drafted, &r);
    assert_eq!((w.status, w.hidden_by_us), (None, false));
    // Under moderation: still ours, nothing sent until Prom settles.
    for status in ["approval_pending", "editing_required"] {
        let moderated = Known {
            prom_status: Some(status),
            ..drafted
        };
        for stock in [0, 4] {
            let w = decide(stock, moderated, &r);
            assert_eq!((w.status, w.hidden_by_us), (None, true), "{status} {stock}");
        }
    }
    // Hiding turned off: what we hid is shown again.
    r.hide_when_out = false;
    assert_eq!(
        decide(0, ours, &r).status,
        Some((ON_DISPLAY, StatusWhy::Show))
    );
}

#[test]
fn a_hide_sent_and_not_confirmed_is_ours_and_sent_again_at_zero() {
    let mut r = rules();
    r.hide_when_out = true;
    let pending = Known {
        hide_pending: true,
        prom_status: Some(NOT_ON_DISPLAY),
        ..Known::default()
    };
    let w = decide(0, pending, &r);
    assert_eq!(
        (w.status, w.hidden_by_us),
        (Some((NOT_ON_DISPLAY, StatusWhy::Hide)), true)
    );
    let w = decide(2, pending, &r);
    assert_eq!(
        (w.status, w.hidden_by_us),
        (Some((ON_DISPLAY, StatusWhy::Show)), false)
    );
}
