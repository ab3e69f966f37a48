//! Files on S3 (a real s3s-fs): stored through one node, served and deleted
//! through the others.

use serde_json::json;

use crate::cluster::{Cluster, Res};
use crate::s3::{self, S3Server};
use crate::shared::png_bytes;

async fn upload(c: &Cluster, node: usize, token: &str, bytes: Vec<u8>) -> String {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("cover.png")
        .mime_str("image/png")
        .unwrap();
    let res = c
        .client
        .post(format!("{}/api/v1/files/upload", c.base(node)))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let res = Res {
        status: res.status(),
        json: res.json().await.unwrap(),
    };
    res.expect(201)["file"]["path"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn download(c: &Cluster, node: usize, token: &str, path: &str) -> (u16, Vec<u8>) {
    let res = c
        .client
        .get(format!(
            "{}/api/v1/files/{path}?token={token}",
            c.base(node)
        ))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_stored_through_one_node_is_served_by_the_others() {
    if !s3::s3_available() {
        return;
    }
    let s3 = S3Server::start().await;
    let endpoint = format!("http://127.0.0.1:{}", s3.port);
    let Some(c) = Cluster::start_with(
        3,
        &[
            ("SNACKBASE_STORAGE_BACKEND", "s3"),
            ("SNACKBASE_STORAGE_S3_BUCKET", s3::BUCKET),
            ("SNACKBASE_STORAGE_S3_ENDPOINT", &endpoint),
            ("SNACKBASE_STORAGE_S3_ACCESS_KEY_ID", s3::ACCESS_KEY),
            ("SNACKBASE_STORAGE_S3_SECRET_ACCESS_KEY", s3::SECRET_KEY),
            ("SNACKBASE_STORAGE_S3_FORCE_PATH_STYLE", "true"),
        ],
    )
    .await
    else {
        return;
    };
    let admin = c.register(0, "ada@example.com", "Acme").await;
    // 6 MiB: more than one part of a multipart upload.
    let bytes = png_bytes(6 * 1024 * 1024 + 17);
    let path = upload(&c, 0, &admin, bytes.clone()).await;
    for node in [1, 2] {
        let (status, got) = download(&c, node, &admin, &path).await;
        assert_eq!(status, 200, "node {node}");
        assert!(got == bytes, "node {node} served other bytes");
    }
    // Deleted through C: gone for A and B as well.
    let gone = c
        .delete(2, &format!("/api/v1/files/{path}"), Some(&admin))
        .await;
    assert_eq!(gone.expect(200), &json!({"success": true}));
    for node in [0, 1] {
        assert_eq!(download(&c, node, &admin, &path).await.0, 404);
    }
}
