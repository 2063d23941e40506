//! Limits on what the admin API reads: bodies over `[admin] max_csv_body_mb` refused
//! with 413 while the daemon's memory stays small.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP/1.1 answer read off the wire.
pub struct RawAnswer {
    pub status: u16,
    #[allow(dead_code)]
    pub head: String,
    pub body: String,
    /// Body bytes written before the server answered or closed.
    pub sent: u64,
}

/// Sends `POST path` to `addr` with a body of `len` bytes made of `fill` repeated, streamed
/// (never held whole), announced by Content-Length or sent chunked; reads the answer
/// while writing, and stops writing when the server closes.
pub async fn post_streamed(
    addr: &str,
    path: &str,
    token: &str,
    len: u64,
    chunked: bool,
    fill: &[u8],
) -> RawAnswer {
    let conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = conn.into_split();
    let reader = tokio::spawn(async move {
        let mut answer = Vec::new();
        let mut buf = [0u8; 8192];
        // A reset after the answer ends the read like an EOF.
        while let Ok(n) = rd.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
        answer
    });
    let framing = if chunked {
        "transfer-encoding: chunked".to_string()
    } else {
        format!("content-length: {len}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: text/csv\r\nconnection: close\r\n{framing}\r\n\r\n"
    );
    let mut sent = 0u64;
    if wr.write_all(head.as_bytes()).await.is_ok() {
        while sent < len {
            let n = fill.len().min((len - sent) as usize);
            let ok = if chunked {
                let mut frame = format!("{n:x}\r\n").into_bytes();
                frame.extend_from_slice(&fill[..n]);
                frame.extend_from_slice(b"\r\n");
                wr.write_all(&frame).await.is_ok()
            } else {
                wr.write_all(&fill[..n]).await.is_ok()
            };
            if !ok || reader.is_finished() {
                break;
            }
            sent += n as u64;
        }
        if chunked && sent == len {
            let _ = wr.write_all(b"0\r\n\r\n").await;
        }
    }
    let answer = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("an answer within a minute")
        .unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    RawAnswer {
        status,
        head: head.to_string(),
        body: body.to_string(),
        sent,
    }
}

/// The peak resident memory of a process so far (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/PID/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// A 100 MB body, announced or chunked, gets 413 from the real daemon, whose peak memory
/// grows by less than 64 MiB (the CSV limit is 32 MB: at most that much is read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_body_gets_413_and_the_daemon_peak_memory_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::helpers::free_port();
    let config = dir.path().join("jobs.toml");
    std::fs::write(
        &config,
        format!(
            "[prom]\nbase_url = \"http://127.0.0.1:9/api/v1\"\n\n[store]\npath = \"store\"\n\n[admin]\nlisten = \"127.0.0.1:{port}\"\n"
        ),
    )
    .unwrap();
    let (mut child, port) = crate::helpers::start_daemon_with(dir.path(), &config, |cmd| {
        cmd.env("PROMUA_SYNC__PROM__TOKEN", "unused-no-job-calls-prom");
    })
    .await;
    let pid = child.id();
    let addr = format!("127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let token = promua_sync::admin::token::read(&dir.path().join("admin-token")).unwrap();
    // Warm up the paths the big bodies take, with small ones.
    let fill = b"SKU-000001,main,12\n".repeat(64 << 10 >> 4);
    for chunked in [false, true] {
        let a = post_streamed(&addr, "/v1/import/stock", &token, 256 << 10, chunked, &fill).await;
        assert_eq!(a.status, 422, "{}", a.body);
    }
    let before = peak_rss(pid);

    let mut answers = Vec::new();
    for (path, chunked) in [
        ("/v1/import/stock", false),
        ("/v1/import/stock", true),
        ("/v1/links/apply", true),
    ] {
        let a = post_streamed(&addr, path, &token, 100 << 20, chunked, &fill).await;
        assert_eq!(
            a.status, 413,
            "{path} chunked={chunked}: {} {}",
            a.head, a.body
        );
        let body: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(body["kind"], "too_large");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("the limit is 32 MB ([admin] max_csv_body_mb)"),
            "{body}"
        );
        assert!(a.sent < 100 << 20, "refused before the end");
        let peak = peak_rss(pid);
        answers.push((path, chunked, a.sent, peak.saturating_sub(before) >> 20));
        if !chunked {
            // Refused on its Content-Length: nothing of the body was kept.
            assert!(
                peak.saturating_sub(before) < 8 << 20,
                "an announced body grew the peak by {} MiB",
                peak.saturating_sub(before) >> 20
            );
        }
    }
    let after = peak_rss(pid);
    let growth = after.saturating_sub(before);
    eprintln!(
        "daemon VmHWM before {:.1} MiB, after {:.1} MiB, growth {:.1} MiB; (path, chunked, body bytes sent before the 413, peak growth MiB so far): {:?}",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        growth as f64 / 1048576.0,
        answers
    );
    assert!(
        growth < 64 << 20,
        "peak memory grew by {:.1} MiB",
        growth as f64 / 1048576.0
    );
    // Still serving.
    let ok = http
        .get(format!("http://{addr}/v1/products"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_body_limits_are_checked_in_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "[store]\npath = \"s\"\n[admin]\nmax_csv_body_mb = 0\nmax_json_body_kb = 100000\n",
    )
    .unwrap();
    let out = crate::helpers::bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("admin.max_csv_body_mb: `0` is too small: must be between 1 and 1024 (MB)")
            && stderr.contains(
                "admin.max_json_body_kb: `100000` is too large: must be between 1 and 65536 (KB)"
            ),
        "both in one pass: {stderr}"
    );
    std::fs::write(
        &path,
        "[store]\npath = \"s\"\n[admin]\nmax_csv_body_mb = 64\nmax_json_body_kb = 100000\n",
    )
    .unwrap();
    let out = crate::helpers::bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "admin.max_json_body_kb: `100000` is too large: must be between 1 and 65536 (KB)"
        ),
        "{stderr}"
    );
    std::fs::write(
        &path,
        "[store]\npath = \"s\"\n[admin]\nmax_csv_body_mb = 64\nmax_json_body_kb = 256\n",
    )
    .unwrap();
    let out = crate::helpers::bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
