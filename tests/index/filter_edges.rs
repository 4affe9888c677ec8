//! The filters' edge values on a real index in a temp dir: an empty list or date is
//! refused naming the filter (never read as "matches nothing"), dates from year 0000 to
//! 9999 give proper answers (the index holds 1677–2262; beyond is clamped), and inverted
//! or out-of-range date and score ranges are refused by name.

use verbatim::index::SearchRequest;
use verbatim::index::search::Filters;

use super::fixture;

#[test]
fn filters_refuse_empty_values_and_take_extreme_dates() {
    let (_dir, index) = fixture();
    let run = |filters: Filters| {
        index.search(&SearchRequest {
            filters,
            limit: 100,
            ..SearchRequest::default()
        })
    };
    let empty: [(&str, Filters); 7] = [
        (
            "sentiment",
            Filters {
                sentiment: Some("".into()),
                ..Filters::default()
            },
        ),
        (
            "topic",
            Filters {
                topic: Some(" , ".into()),
                ..Filters::default()
            },
        ),
        (
            "lang",
            Filters {
                lang: Some("".into()),
                ..Filters::default()
            },
        ),
        (
            "channel",
            Filters {
                channel: Some("".into()),
                ..Filters::default()
            },
        ),
        (
            "from",
            Filters {
                from: Some("".into()),
                ..Filters::default()
            },
        ),
        (
            "to",
            Filters {
                to: Some(" ".into()),
                ..Filters::default()
            },
        ),
        (
            "attrs",
            Filters {
                attrs: vec!["".into()],
                ..Filters::default()
            },
        ),
    ];
    for (name, filters) in empty {
        let e = run(filters).unwrap_err();
        assert!(e.is_user_error());
        let message = e.to_string();
        assert!(
            message.starts_with(&format!("filter `{name}`: empty")),
            "{message}"
        );
    }
    let e = run(Filters {
        sentiment: Some("".into()),
        ..Filters::default()
    })
    .unwrap_err();
    assert!(
        e.to_string().contains("negative, neutral or positive"),
        "{e}"
    );

    let dated = 7;
    for (from, to, expected) in [
        (None, Some("9999-12-31"), dated),
        (None, Some("9999-12-31T23:59:59Z"), dated),
        (Some("0000-01-01"), None, dated),
        (Some("1000-01-01"), Some("9999-12-31"), dated),
        (Some("2300-01-01"), Some("9999-12-31"), 0),
        (Some("2025-05-23"), Some("2025-05-23"), 2),
    ] {
        let r = run(Filters {
            from: from.map(Into::into),
            to: to.map(Into::into),
            ..Filters::default()
        })
        .unwrap_or_else(|e| panic!("{from:?}..{to:?}: {e}"));
        assert_eq!(r.total, expected, "{from:?}..{to:?}");
    }
    // A range whose ends are the wrong way round is empty, as in SQL: no error, no hits.
    let r = run(Filters {
        from: Some("2025-06-01".into()),
        to: Some("2025-05-01".into()),
        ..Filters::default()
    })
    .unwrap();
    assert_eq!(r.total, 0);
    let r = run(Filters {
        score_min: Some(0.5),
        score_max: Some(-0.5),
        ..Filters::default()
    })
    .unwrap();
    assert_eq!(r.total, 0);
    for bad in [f64::NAN, f64::INFINITY, -1.5] {
        let e = run(Filters {
            score_max: Some(bad),
            ..Filters::default()
        })
        .unwrap_err();
        assert!(e.to_string().starts_with("filter `score_max`"), "{e}");
    }
}
