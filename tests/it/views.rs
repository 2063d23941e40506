//! The JSON of the back office's answers (the admin API, the CLI's `--json`): their own
//! view types, built from the store's records, with the shapes the API has always had.
//! The expected texts are pinned here, so that a change of the store's records shows up
//! as a failing test rather than as a silent API change.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use promua_sync::backoffice::{
    OrderView, ProductFields, ProductRemoved, ProductView, Shortfall, StagedFields,
    StockConfirmation, StockMove, StockMoved,
};
use promua_sync::domain::Money;
use promua_sync::store::{
    Actor, JournalEntry, LocalLine, LocalOrder, OrderDetails, Product, Removed, StagedProduct,
    StockSnapshot,
};
use rust_decimal::Decimal;

fn utc() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).unwrap()
}

fn kyiv() -> DateTime<FixedOffset> {
    FixedOffset::east_opt(2 * 3600)
        .unwrap()
        .with_ymd_and_hms(2025, 3, 14, 11, 0, 0)
        .unwrap()
}

/// What a seller fulfils the order from: the comment, the delivery, a sum Prom.ua sends
/// as a bare number (it takes the order's currency).
fn details() -> OrderDetails {
    let mut d = OrderDetails::default();
    d.buyer.last_name = Some("Коваль".into());
    d.buyer.notes = Some("Після 18:00".into());
    d.delivery.option_name = Some("Нова Пошта".into());
    d.delivery.declaration_number = Some("20450000000001".into());
    d.payment.option_name = Some("Оплата при отриманні".into());
    d.money.delivery_cost = Some(Money::parse("70.5"));
    d.money.cpa_commission = Some(Money::parse("0.00"));
    d.status_name = Some("Прийнято".into());
    d.cancellation.reason = Some("another".into());
    d
}

fn order(unconfirmed: bool) -> LocalOrder {
    LocalOrder {
        prom_id: 81_234,
        status: "received".into(),
        prom_status: Some("pending".into()),
        prom_status_unconfirmed: unconfirmed,
        statuses_sent: Vec::new(),
        status_pending: true,
        created_at: Some(kyiv()),
        modified_at: None,
        client: "Олена Коваль".into(),
        phone: Some("+380501234567".into()),
        email: None,
        total: Some(Money::parse("1 250,50 грн")),
        details: details(),
        lines: vec![
            LocalLine {
                prom_product_id: Some(5_000_001),
                sku: Some("KET-1".into()),
                name: "Чайник".into(),
                quantity: Decimal::new(2, 0),
                price: Some(Money::parse("625.25")),
                product_id: Some(7),
                ..LocalLine::default()
            },
            LocalLine {
                prom_product_id: None,
                sku: None,
                name: "Подарунок".into(),
                quantity: Decimal::new(15, 1),
                price: None,
                product_id: None,
                ..LocalLine::default()
            },
        ],
        reserved: vec![(7, 2)],
        stock_moved: false,
        shipped: Vec::new(),
        adopted_done: false,
        holds: None,
        status_changed_at: None,
        imported_at: utc(),
        updated_at: utc(),
    }
}

/// An order's answer before its products were named by SKU: still read.
const ORDER_BEFORE_SKUS: &str = r#"{"prom_id":81234,"status":"received","prom_status":"pending","status_pending":true,"created_at":"2025-03-14T11:00:00+02:00","modified_at":null,"client":"Олена Коваль","phone":"+380501234567","email":null,"total":"1 250,50 грн","lines":[{"prom_product_id":5000001,"sku":"KET-1","name":"Чайник","quantity":"2","price":"625.25","product_id":7},{"prom_product_id":null,"sku":null,"name":"Подарунок","quantity":"1.5","price":null,"product_id":null}],"reserved":[[7,2]],"stock_moved":false,"shipped":[],"adopted_done":false,"imported_at":"2025-03-14T09:26:53Z","updated_at":"2025-03-14T09:26:53Z"}"#;

#[test]
fn an_order_keeps_the_apis_shape() {
    let mut view = OrderView::from(order(false));
    view.name_products(|id| Ok::<_, ()>((id == 7).then(|| "local-7".to_string())))
        .unwrap();
    let json = serde_json::to_string(&view).unwrap();
    // The fields it always had, as they were, the SKUs added beside them; since issue
    // 14 the details in groups and every sum as {amount, currency, raw} (`total` and the
    // lines' prices were Prom's text until then).
    assert_eq!(
        json,
        r#"{"prom_id":81234,"status":"received","prom_status":"pending","status_pending":true,"status_changed_at":null,"created_at":"2025-03-14T11:00:00+02:00","modified_at":null,"client":"Олена Коваль","phone":"+380501234567","email":null,"total":{"amount":"1250.50","currency":"грн","raw":"1 250,50 грн"},"status_name":"Прийнято","source":null,"buyer":{"first_name":null,"second_name":null,"last_name":"Коваль","client_id":null,"notes":"Після 18:00","dont_call_back":null},"delivery":{"option_id":null,"option_name":"Нова Пошта","shipping_service":null,"address":null,"provider":null,"type":null,"sender_warehouse_id":null,"recipient_warehouse_id":null,"declaration_number":"20450000000001","unified_status":null,"recipient":null},"payment":{"option_id":null,"option_name":"Оплата при отриманні","type":null,"status":null,"status_modified":null},"money":{"currency":"грн","price":{"amount":"1250.50","currency":"грн","raw":"1 250,50 грн"},"full_price":null,"price_with_special_offer":null,"special_offer_discount":null,"special_offer_promocode":null,"delivery_cost":{"amount":"70.5","currency":"грн","raw":"70.5"},"has_order_promo_free_delivery":null,"cpa_commission":{"amount":{"amount":"0.00","currency":"грн","raw":"0.00"},"is_refunded":null}},"cancellation":{"title":null,"initiator":null,"reason":"another","text":null},"utm":null,"lines":[{"prom_product_id":5000001,"sku":"KET-1","name":"Чайник","quantity":"2","measure_unit":null,"price":{"amount":"625.25","currency":"грн","raw":"625.25"},"total_price":null,"external_id":null,"image":null,"url":null,"product_id":7,"hand_linked":false,"local_sku":"local-7"},{"prom_product_id":null,"sku":null,"name":"Подарунок","quantity":"1.5","measure_unit":null,"price":null,"total_price":null,"external_id":null,"image":null,"url":null,"product_id":null,"hand_linked":false,"local_sku":null}],"reserved":[[7,2]],"reserved_by_sku":[{"product_id":7,"sku":"local-7","quantity":2}],"stock_moved":false,"shipped":[],"shipped_by_sku":[],"adopted_done":false,"holds":true,"imported_at":"2025-03-14T09:26:53Z","updated_at":"2025-03-14T09:26:53Z"}"#
    );
    let old: OrderView = serde_json::from_str(ORDER_BEFORE_SKUS).unwrap();
    assert_eq!(
        (old.reserved.clone(), old.reserved_by_sku.len()),
        (vec![(7, 2)], 0)
    );
    // An older daemon's sums as text, and no details: read, the sums parsed.
    let total = old.total.clone().unwrap();
    assert_eq!(
        (total.amount, total.currency.as_deref(), total.raw.as_str()),
        (Some(Decimal::new(125050, 2)), Some("грн"), "1 250,50 грн")
    );
    assert_eq!(old.details.buyer.notes, None);
    let unconfirmed = serde_json::to_value(OrderView::from(order(true))).unwrap();
    assert_eq!(unconfirmed["prom_status_unconfirmed"], true);
    // What the CLI reads from the admin API it prints again unchanged.
    let back: OrderView = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert!(back.has_unlinked_lines());
}

#[test]
fn a_product_a_confirmation_a_staged_product_and_a_move_keep_the_apis_shapes() {
    let product = ProductFields::from(Product {
        id: 7,
        sku: "KET-1".into(),
        name: "Чайник".into(),
        price: Some(Decimal::new(19_950, 2)),
        currency: Some("UAH".into()),
    });
    assert_eq!(
        serde_json::to_string(&product).unwrap(),
        r#"{"id":7,"sku":"KET-1","name":"Чайник","price":"199.50","currency":"UAH"}"#
    );
    let confirmed = StockConfirmation::from(StockSnapshot {
        prom_id: 5_000_001,
        quantity: 3,
        presence: "available".into(),
        confirmed_at: utc(),
        unconfirmed: false,
        hidden: false,
    });
    assert_eq!(
        serde_json::to_string(&confirmed).unwrap(),
        r#"{"prom_id":5000001,"quantity":3,"presence":"available","confirmed_at":"2025-03-14T09:26:53Z"}"#
    );
    let staged = StagedFields::from(StagedProduct {
        prom_id: 5_000_002,
        sku: None,
        name: "Рюкзак".into(),
        other_names: vec![],
        price: Some(Decimal::new(1_299, 0)),
        currency: Some("UAH".into()),
        quantity: Some(4),
        staged_at: utc(),
    });
    assert_eq!(
        serde_json::to_string(&staged).unwrap(),
        r#"{"prom_id":5000002,"sku":null,"name":"Рюкзак","price":"1299","currency":"UAH","quantity":4,"staged_at":"2025-03-14T09:26:53Z"}"#
    );
    let moved = StockMove::from(JournalEntry {
        seq: 12,
        at: utc(),
        product_id: 7,
        sku: "KET-1".into(),
        warehouse: "main".into(),
        before: 5,
        after: 3,
        delta: -2,
        actor: Actor::Cli,
        reason: Some("інвентаризація".into()),
    });
    assert_eq!(
        serde_json::to_string(&moved).unwrap(),
        r#"{"seq":12,"at":"2025-03-14T09:26:53Z","product_id":7,"sku":"KET-1","warehouse":"main","before":5,"after":3,"delta":-2,"actor":"cli","reason":"інвентаризація"}"#
    );
}

#[test]
fn a_removal_keeps_its_shape() {
    let removed = ProductRemoved::from(Removed {
        product: Product {
            id: 9,
            sku: "ab-1".into(),
            name: "Кабель".into(),
            price: None,
            currency: None,
        },
        unlinked: Some(5_000_003),
        stock: vec![("main".into(), 2), ("shop".into(), 0)],
        journalled: vec![JournalEntry {
            seq: 40,
            at: utc(),
            product_id: 9,
            sku: "ab-1".into(),
            warehouse: "main".into(),
            before: 2,
            after: 0,
            delta: -2,
            actor: Actor::Cli,
            reason: Some("product ab-1 removed".into()),
        }],
        moves_kept: 1,
        orders_unlinked: vec![81_234],
    });
    let json = serde_json::to_string(&removed).unwrap();
    assert_eq!(
        json,
        r#"{"id":9,"sku":"ab-1","name":"Кабель","price":null,"currency":null,"unlinked_prom_id":5000003,"stock":{"main":2,"shop":0},"journalled":[{"seq":40,"at":"2025-03-14T09:26:53Z","product_id":9,"sku":"ab-1","warehouse":"main","before":2,"after":0,"delta":-2,"actor":"cli","reason":"product ab-1 removed"}],"moves_kept":1,"orders_unlinked":[81234]}"#
    );
    let back: ProductRemoved = serde_json::from_str(&json).unwrap();
    assert_eq!(back, removed);
}

#[test]
fn a_stock_answer_is_the_move_with_its_warnings_and_a_product_reads_without_its_figures() {
    let moved = StockMoved {
        moved: StockMove::from(JournalEntry {
            seq: 3,
            at: utc(),
            product_id: 7,
            sku: "KET-1".into(),
            warehouse: "main".into(),
            before: 5,
            after: 1,
            delta: -4,
            actor: Actor::Api,
            reason: None,
        }),
        warnings: vec![Shortfall {
            sku: "KET-1".into(),
            stock: 1,
            reserved: 4,
        }],
    };
    let json = serde_json::to_string(&moved).unwrap();
    assert_eq!(
        json,
        r#"{"seq":3,"at":"2025-03-14T09:26:53Z","product_id":7,"sku":"KET-1","warehouse":"main","before":5,"after":1,"delta":-4,"actor":"api","reason":null,"warnings":[{"sku":"KET-1","stock":1,"reserved":4}]}"#
    );
    assert_eq!(serde_json::from_str::<StockMoved>(&json).unwrap(), moved);

    // A product as answered before the reservation figures: read as nothing reserved.
    let before = r#"{"id":7,"sku":"KET-1","name":"Чайник","price":null,"currency":null,"stock":{"main":3},"total_stock":3,"prom_id":null,"prom_confirmed":null}"#;
    let v: ProductView = serde_json::from_str(before).unwrap();
    assert_eq!((v.reserved, v.available, v.held_by.clone()), (0, 0, None));
    let again = serde_json::to_string(&v).unwrap();
    assert_eq!(
        again,
        before.replace("null}", r#"null,"reserved":0,"available":0}"#),
        "a list's product has no held_by"
    );
}
