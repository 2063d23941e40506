//! The console in a real browser: Debian's `chromium` driven through `chromedriver`
//! (WebDriver) by fantoccini. `.ci/run` installs both and sets `PROMUA_BROWSER_CHECK=required`;
//! elsewhere a machine without them skips the check with a message.

mod flow;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// A headless Chromium session; the driver process dies with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

fn found(env: &str, default: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var(env).unwrap_or_else(|_| default.into()));
    path.exists().then_some(path)
}

impl Browser {
    /// A browser, or `None` (with the reason on stderr) where none is installed and the
    /// check is not required.
    pub async fn start() -> Option<Browser> {
        let required = std::env::var("PROMUA_BROWSER_CHECK").is_ok_and(|v| v == "required");
        let (Some(driver), Some(chromium)) = (
            found("CHROMEDRIVER", "/usr/bin/chromedriver"),
            found("CHROMIUM", "/usr/bin/chromium"),
        ) else {
            assert!(
                !required,
                "PROMUA_BROWSER_CHECK=required but chromium or chromedriver is missing \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!("browser check skipped: chromium and chromium-driver are not installed");
            return None;
        };
        let port = crate::helpers::free_port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let up = std::time::Instant::now();
        while !http
            .get(format!("{url}/status"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                up.elapsed() < Duration::from_secs(20),
                "chromedriver did not come up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    "--lang=uk", format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&url)
            .await
            .expect("a Chromium session");
        let shots = std::env::var("CONSOLE_SCREENSHOTS").map_or_else(
            |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/console-screenshots"),
            PathBuf::from,
        );
        std::fs::create_dir_all(&shots).unwrap();
        Some(Browser {
            client,
            driver,
            _profile: profile,
            shots,
        })
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Types `text` into the field `css` (cleared first).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks `css` (a button or a link) and waits for the page it leads to: the click
    /// returns before a form's answer has replaced the document, so wait until the old
    /// document is gone (its root goes stale) and the new one has a body.
    pub async fn click(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        self.find(css).await.click().await.unwrap();
        let start = std::time::Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "clicking {css:?} led nowhere"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("body"))
            .await
            .unwrap();
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => panic!(
                "no {css:?} on {}: {e}\n{}",
                self.client.current_url().await.unwrap(),
                self.text().await
            ),
        }
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Saves the viewport as `<name>.png` in the screenshot directory.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
