//! The folder watcher reports the source whose folder changed, in one batch per burst of
//! writes, and ignores what cannot change the catalog.

use std::sync::mpsc;
use std::time::Duration;

use greenroom::watch::SourceWatcher;

/// Long enough for a loaded machine; the watcher usually answers in well under a second.
const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn an_edit_is_reported_once_for_its_source() {
    let dir = tempfile::tempdir().expect("temp");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for folder in [&a, &b] {
        std::fs::create_dir_all(folder.join("repo/.git")).expect("folders");
        std::fs::write(folder.join("repo/catalog-info.yaml"), "kind: Component\n").expect("file");
    }
    let (sender, receiver) = mpsc::channel();
    let mut watcher = SourceWatcher::new(Duration::from_millis(150), move |ids| {
        let _ = sender.send(ids);
    })
    .expect("a watcher");
    watcher.watch(1, &a).expect("watch a");
    watcher.watch(2, &b).expect("watch b");
    assert_eq!(watcher.watched(), [1, 2]);

    // Several writes in a burst: one batch naming the source.
    for n in 0..5 {
        std::fs::write(
            b.join("repo/catalog-info.yaml"),
            format!("kind: Component # {n}\n"),
        )
        .expect("edit");
    }
    assert_eq!(receiver.recv_timeout(PATIENCE).expect("a batch"), [2]);
    assert!(receiver.recv_timeout(Duration::from_millis(600)).is_err());

    // Git's own files and dependency folders are not the catalog's business.
    std::fs::write(a.join("repo/.git/index"), "x").expect("git file");
    std::fs::create_dir_all(a.join("repo/node_modules/x")).ok();
    std::fs::write(a.join("repo/node_modules/x/catalog-info.yaml"), "x").expect("dep");
    assert!(receiver.recv_timeout(Duration::from_millis(800)).is_err());

    // An unwatched folder is quiet; a new file in a watched one is reported.
    watcher.unwatch(2);
    std::fs::write(b.join("repo/catalog-info.yaml"), "kind: API\n").expect("edit");
    std::fs::write(a.join("repo/new.yaml"), "kind: API\n").expect("new");
    assert_eq!(receiver.recv_timeout(PATIENCE).expect("a batch"), [1]);
}
