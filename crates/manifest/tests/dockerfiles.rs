//! Dockerfiles through `read_inputs`: which files are read as Dockerfiles (given, or found in a
//! directory), the names they are known by, and errors that name the file and line.

use std::fs;
use std::path::{Path, PathBuf};

use oomdoc_manifest::{dockerfile_names, is_dockerfile, read_inputs, Item, ReadOptions};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "oomdoc-manifest-docker-{name}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn read(paths: &[PathBuf], threads: usize) -> Vec<Item> {
    let mut items = Vec::new();
    let opts = ReadOptions {
        threads,
        ..ReadOptions::default()
    };
    read_inputs(paths, &opts, &mut |i| items.push(i));
    items
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn file_names_that_are_dockerfiles() {
    for (name, walked, given) in [
        ("Dockerfile", true, true),
        ("dockerfile", true, true),
        ("Containerfile", true, true),
        ("api.Dockerfile", true, true),
        ("Dockerfile.prod", true, true),
        ("Containerfile.arm64", true, true),
        ("Dockerfile.dockerignore", false, true),
        ("Dockerfile.j2", false, true),
        ("Dockerfile.tmpl", false, true),
        ("Dockerfiles", false, false),
        ("Dockerfile.", false, false),
        (".Dockerfile", false, false),
        ("deploy.yaml", false, false),
        ("README.md", false, false),
    ] {
        assert_eq!(
            is_dockerfile(Path::new(name), false),
            walked,
            "walked {name}"
        );
        assert_eq!(is_dockerfile(Path::new(name), true), given, "given {name}");
    }
}

#[test]
fn names_come_from_the_directory_and_the_file() {
    assert_eq!(
        dockerfile_names(Path::new("services/admin-server/Dockerfile")),
        ["admin-server"]
    );
    assert_eq!(
        dockerfile_names(Path::new("docker/API.Dockerfile")),
        ["api", "docker"]
    );
    assert_eq!(
        dockerfile_names(Path::new("/x/Payments/Dockerfile.prod")),
        ["payments"]
    );
    // A bare relative name: the current directory's name.
    let cwd = std::env::current_dir().unwrap();
    let here = cwd
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert_eq!(
        dockerfile_names(Path::new("Dockerfile")),
        std::slice::from_ref(&here)
    );
    assert_eq!(dockerfile_names(Path::new("./Dockerfile")), [here]);
}

#[test]
fn directories_yield_manifests_and_dockerfiles_in_order() {
    let d = tempdir("walk");
    write(
        &d.join("a.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n",
    );
    write(
        &d.join("admin-server/Dockerfile"),
        "FROM eclipse-temurin:17-jre\nENTRYPOINT [\"java\", \"-jar\", \"a.jar\"]\n",
    );
    write(&d.join("admin-server/Dockerfile.dockerignore"), "target\n");
    write(&d.join("b/tools.Dockerfile"), "FROM alpine\n");
    write(&d.join("c/Dockerfile.j2"), "FROM {{ base }}\n");
    for threads in [1, 4] {
        let items = read(std::slice::from_ref(&d), threads);
        let kinds: Vec<String> = items
            .iter()
            .map(|i| match i {
                Item::Workload(w) => format!("workload {}", w.name.as_deref().unwrap_or("")),
                Item::Dockerfile(df) => format!("dockerfile {}", df.names.join(",")),
                Item::LimitRange(_) => "limitrange".into(),
                Item::Error(e) => format!("error {e}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "workload a",
                "dockerfile admin-server",
                "dockerfile tools,b"
            ],
            "threads {threads}"
        );
    }
    let items = read(&[d.join("admin-server/Dockerfile")], 1);
    let Item::Dockerfile(df) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(
        df.base_image.as_ref().unwrap().value,
        "eclipse-temurin:17-jre"
    );
    assert!(df.file.ends_with("admin-server/Dockerfile"));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn bad_dockerfiles_are_errors_with_file_and_line() {
    let d = tempdir("bad");
    write(
        &d.join("x/Dockerfile"),
        "FROM eclipse-temurin:17\nFROBNICATE now\nENV OK=1\n",
    );
    write(&d.join("y/Dockerfile"), "# only a comment\n");
    fs::create_dir_all(d.join("z")).unwrap();
    fs::write(d.join("z/Dockerfile"), b"FROM x\n\0\0binary").unwrap();
    let items = read(std::slice::from_ref(&d), 2);
    let shown: Vec<String> = items
        .iter()
        .map(|i| match i {
            Item::Error(e) => e.to_string().replace(&*d.to_string_lossy(), "D"),
            Item::Dockerfile(df) => format!("dockerfile {}", df.env.len()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "dockerfile 1",
            "D/x/Dockerfile:2:1: unknown instruction: FROBNICATE",
            "D/y/Dockerfile:1:1: no FROM instruction: a Dockerfile needs at least one build stage",
            "D/z/Dockerfile: binary file (NUL byte), skipped",
        ]
    );
    let _ = fs::remove_dir_all(&d);
}
