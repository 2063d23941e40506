//! The console's words, one table per language: Ukrainian by default, English on the
//! switch (`?lang=en`, kept in the `lang` cookie).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Uk,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Uk => "uk",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "uk" => Some(Lang::Uk),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Uk => &UK,
            Lang::En => &EN,
        }
    }
}

pub struct Text {
    pub console: &'static str,
    pub login_title: &'static str,
    pub token_label: &'static str,
    pub login_button: &'static str,
    pub wrong_token: &'static str,
    pub logout: &'static str,
    pub overview: &'static str,
    pub job: &'static str,
    pub kind: &'static str,
    pub last_run: &'static str,
    pub outcome: &'static str,
    pub next_run: &'static str,
    pub health: &'static str,
    pub drift: &'static str,
    pub never: &'static str,
    pub run_now: &'static str,
    pub unlinked: &'static str,
    pub no_jobs: &'static str,
    pub run_started: &'static str,
    pub run_refused: &'static str,
    pub back: &'static str,
    pub forbidden: &'static str,
    pub products: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub nothing_found: &'static str,
    pub name: &'static str,
    pub stock: &'static str,
    pub price: &'static str,
    pub link: &'static str,
    pub linked: &'static str,
    pub not_linked: &'static str,
    pub set: &'static str,
    pub next_page: &'static str,
}

pub const UK: Text = Text {
    console: "Консоль promua-sync",
    login_title: "Вхід",
    token_label: "Токен адміністратора",
    login_button: "Увійти",
    wrong_token: "Невірний токен.",
    logout: "Вийти",
    overview: "Огляд",
    job: "Завдання",
    kind: "Тип",
    last_run: "Останній запуск",
    outcome: "Результат",
    next_run: "Наступний запуск",
    health: "Стан",
    drift: "Розбіжності",
    never: "ще не було",
    run_now: "Запустити зараз",
    unlinked: "Не пов'язані з Prom товари",
    no_jobs: "Завдань не налаштовано.",
    run_started: "Запуск завершено",
    run_refused: "Запуск відхилено",
    back: "Назад",
    forbidden: "Заборонено: запит не з цієї консолі або без дійсного сеансу.",
    products: "Товари",
    search: "Шукати",
    search_hint: "Артикул або назва",
    nothing_found: "Нічого не знайдено.",
    name: "Назва",
    stock: "Залишок",
    price: "Ціна",
    link: "Зв'язок з Prom",
    linked: "пов'язано:",
    not_linked: "не пов'язано",
    set: "Змінити",
    next_page: "Далі →",
};

pub const EN: Text = Text {
    console: "promua-sync console",
    login_title: "Log in",
    token_label: "Admin token",
    login_button: "Log in",
    wrong_token: "Wrong token.",
    logout: "Log out",
    overview: "Overview",
    job: "Job",
    kind: "Kind",
    last_run: "Last run",
    outcome: "Outcome",
    next_run: "Next run",
    health: "Health",
    drift: "Drift",
    never: "never",
    run_now: "Run now",
    unlinked: "Products not linked to Prom",
    no_jobs: "No jobs configured.",
    run_started: "Run finished",
    run_refused: "Run refused",
    back: "Back",
    forbidden: "Forbidden: the request is not from this console or has no valid session.",
    products: "Products",
    search: "Search",
    search_hint: "SKU or name",
    nothing_found: "Nothing found.",
    name: "Name",
    stock: "Stock",
    price: "Price",
    link: "Prom link",
    linked: "linked:",
    not_linked: "not linked",
    set: "Set",
    next_page: "Next →",
};
