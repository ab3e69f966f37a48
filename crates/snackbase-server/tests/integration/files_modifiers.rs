//! `field+` and `field-`: appends to and removals from file fields, in JSON
//! and multipart writes, applied to the row the write changes, so that
//! concurrent appends all land. Both databases, both storages.

use serde_json::json;

use crate::files::{docs_world, file_part, name_in, png_bytes, send_form, uploaded};
use crate::files_test;

files_test!(
    appends_and_removals_apply_to_the_row_the_write_changes,
    |app| {
        let (_, admin, _) = docs_world(&app).await;
        let t = Some(admin.as_str());
        let id = app
            .post("/api/v1/records/docs", t, json!({"title": "G"}))
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/records/docs/{id}");

        // JSON modifiers, as PocketBase clients send them.
        let a = uploaded(&app, &admin, "a.png", png_bytes(100)).await;
        let b = uploaded(&app, &admin, "b.png", png_bytes(101)).await;
        let rec = app
            .patch(&path, t, json!({"gallery+": [a, name_in(&b)]}))
            .await
            .expect(200)
            .clone();
        assert_eq!(rec["gallery"], json!([name_in(&a), name_in(&b)]));
        let rec = app
            .patch(&path, t, json!({"gallery-": name_in(&a)}))
            .await
            .expect(200)
            .clone();
        assert_eq!(rec["gallery"], json!([name_in(&b)]));
        // The removed file is gone; the kept one is served.
        assert_eq!(
            app.download(&format!("docs/{id}/{}", name_in(&a)), t, &[])
                .await
                .status,
            404
        );
        let stored = app.state.storage.list("AA0001/uploads").await.unwrap();
        assert_eq!(stored, [b.as_str()]);

        // A single file field takes no append; a removal empties it.
        let c = uploaded(&app, &admin, "c.png", png_bytes(102)).await;
        let refused = app.patch(&path, t, json!({"secret+": [c.clone()]})).await;
        refused.expect(422);
        assert_eq!(refused.codes(), ["not_multiple"]);
        let rec = app
            .patch(&path, t, json!({"secret": c.clone()}))
            .await
            .expect(200)
            .clone();
        assert_eq!(rec["secret"], name_in(&c));
        let rec = app
            .patch(&path, t, json!({"secret-": [name_in(&c)]}))
            .await
            .expect(200)
            .clone();
        assert_eq!(rec["secret"], serde_json::Value::Null);
        // Names that are not names are refused, and change nothing.
        let refused = app.patch(&path, t, json!({"gallery-": ["../x"]})).await;
        refused.expect(422);
        let refused = app.patch(&path, t, json!({"gallery-": [7]})).await;
        refused.expect(422);

        // Concurrent multipart appends: each reads the record before the others
        // commit, and every one of them lands.
        let n = 8;
        let sends = (0..n).map(|i| {
            let form = reqwest::multipart::Form::new().part(
                "gallery+",
                file_part(&format!("c{i}.png"), png_bytes(200 + i)),
            );
            send_form(&app, reqwest::Method::PATCH, &path, &admin, form)
        });
        for res in futures_util::future::join_all(sends).await {
            res.expect(200);
        }
        let rec = app.get(&path, t).await.expect(200).clone();
        let gallery = rec["gallery"].as_array().unwrap().clone();
        assert_eq!(gallery.len(), 1 + n, "{gallery:?}");
        for name in &gallery {
            let got = app
                .download(&format!("docs/{id}/{}", name.as_str().unwrap()), t, &[])
                .await;
            assert_eq!(got.status, 200, "{name}");
        }
        // Nothing else is kept: the gallery's files and nothing more.
        assert_eq!(app.count("files").await, 1 + n as i64);

        // In one form: files set, one appended to them, one removed.
        let form = reqwest::multipart::Form::new()
            .part("gallery", file_part("x.png", png_bytes(300)))
            .part("gallery+", file_part("y.png", png_bytes(301)))
            .text("gallery-", gallery[0].as_str().unwrap().to_string());
        let rec = send_form(&app, reqwest::Method::PATCH, &path, &admin, form)
            .await
            .expect(200)
            .clone();
        let names: Vec<&str> = rec["gallery"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names[0].starts_with("x_") && names[1].starts_with("y_"),
            "{names:?}"
        );
        assert_eq!(app.count("files").await, 2);
    }
);
