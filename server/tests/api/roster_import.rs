//! Participants from CSV (issue 19): a preview with each row's problems before
//! anything is saved, a confirm that saves, re-importing updates by bib, and files
//! that are not CSV text (binary, not UTF-8, too large) refused with a message.

use reqwest::StatusCode;

use crate::{
    console_kit::{multipart, with_demo_event},
    helpers::TestApp,
    roster::{entrants, organiser_app},
};

/// `POST /admin/runners/import` as multipart, with `parts` (name, file name, bytes).
async fn upload(
    app: &TestApp,
    cookie: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> (StatusCode, String) {
    multipart(app, cookie, "/admin/runners/import", parts).await
}

async fn preview(app: &TestApp, cookie: &str, csv: &str) -> (StatusCode, String) {
    upload(
        app,
        cookie,
        &[("file", Some("runners.csv"), csv.as_bytes())],
    )
    .await
}

async fn confirm(app: &TestApp, cookie: &str, csv: &str) -> (StatusCode, String) {
    upload(
        app,
        cookie,
        &[("csv", None, csv.as_bytes()), ("confirm", None, b"yes")],
    )
    .await
}

#[tokio::test]
async fn roster_import_shows_each_bad_row_and_saves_nothing_until_fixed() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    let before = entrants(&app).await;
    let bad = "Bib;First name;Last name;Category;Device ID\n\
               3;Alan;Turing;M;demo-3\n\
               40;Rosa;Parks;F;\n\
               40;Twice;Over;F;\n\
               41;;;M;\n\
               42;Ken;Thompson;M;demo-1\n";
    let (status, page) = preview(&app, &cookie, bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for said in [
        "bib 40 is used twice (also on line 3)",
        "the name is empty",
        "device &quot;demo-1&quot; is given to runners 1 and 42",
        "Nothing has been saved",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }
    assert!(
        !page.contains("id=\"confirm\""),
        "a bad file can be confirmed: {page}"
    );
    // Posting the bad file with confirm anyway saves nothing.
    let (status, _) = confirm(&app, &cookie, bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(entrants(&app).await, before);

    // Fixed: the preview changes nothing, the confirm saves it all.
    let good = "\u{feff}Bib,First name,Last name,Category,Device ID\r\n\
                3,Alan,\"Turing, OBE\",M,demo-3\r\n\
                40,Rosa,Parks,F,\r\n\
                41,Ken,Thompson,M,ken-phone\r\n";
    let (status, page) = preview(&app, &cookie, good).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("3 rows: 2 new, 1 to update, 0 unchanged, 0 with problems"),
        "{page}"
    );
    assert!(page.contains("id=\"confirm\""), "{page}");
    assert_eq!(entrants(&app).await, before);
    let (status, page) = confirm(&app, &cookie, good).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("2 added, 1 updated, 0 unchanged"), "{page}");
    let after = entrants(&app).await;
    assert_eq!(after.len(), before.len() + 2);
    assert!(
        after.contains(&("3".into(), "Alan Turing, OBE".into())),
        "{after:?}"
    );
    assert!(
        after.contains(&("41".into(), "Ken Thompson".into())),
        "{after:?}"
    );
    // The same file again: nothing to change.
    let (_, page) = preview(&app, &cookie, good).await;
    assert!(page.contains("0 new, 0 to update, 3 unchanged"), "{page}");
}

#[tokio::test]
async fn roster_import_refuses_files_that_are_not_csv_text() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    let before = entrants(&app).await;
    let latin1: &[u8] = b"bib,first name,last name\n77,Ren\xe9,Char\n";
    let (status, page) = upload(&app, &cookie, &[("file", Some("latin1.csv"), latin1)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("not UTF-8"), "{page}");
    let binary: &[u8] = b"PK\x03\x04\x14\0\0\0\x08\0sheet.xlsx";
    let (status, page) = upload(&app, &cookie, &[("file", Some("sheet.xlsx"), binary)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("not a CSV text file"), "{page}");
    let (status, page) = preview(&app, &cookie, "id,who\n1,x\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("the first row must name the columns"),
        "{page}"
    );
    // Past the file limit (1.9 MB), and past the server's limit on any body (2 MiB).
    let big = |bytes: usize| {
        let mut text = String::from("bib,name\n");
        while text.len() < bytes {
            text.push_str(&format!("{},Runner with a long name\n", text.len()));
        }
        text
    };
    let (status, page) = preview(&app, &cookie, &big(2_060_000)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("the file is larger than 1.9 MB"), "{page}");
    let (status, said) = preview(&app, &cookie, &big(3 * 1024 * 1024)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(said.contains("over the limit of 2097152 bytes"), "{said}");
    assert_eq!(entrants(&app).await, before);
}
