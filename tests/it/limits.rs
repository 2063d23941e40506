//! Limits on what the admin API reads: bodies over `[admin] max_csv_body_mb` refused
//! with 413 while the daemon's memory stays small.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP/1.1 answer read off the wire.
pub struct RawAnswer {
    pub status: u16,
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
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: text/csv\r\n{framing}\r\n\r\n"
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
