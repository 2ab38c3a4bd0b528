//! The list of followed runners as it appears in the URL: `/?follow=3,7`.
//!
//! The URL is the single source of truth for what a page follows, so a link can be
//! shared and the server renders the same chips the browser will. Without JavaScript
//! the follow form submits `follow` (the current list) plus `add` (the new ids), and
//! both are merged here.

use crate::protocol::RunnerId;

/// Most runners a page may follow at once.
pub const MAX_FOLLOWS: usize = 50;

/// The ids of `from` that `other` lacks, in `from`'s order: what a list change added
/// (`missing_from(current, previous)`) or removed (`missing_from(previous, current)`).
pub fn missing_from(from: &[RunnerId], other: &[RunnerId]) -> Vec<RunnerId> {
    let other: std::collections::HashSet<&RunnerId> = other.iter().collect();
    from.iter()
        .filter(|r| !other.contains(r))
        .cloned()
        .collect()
}

/// Followed runners, in the order they were added, plus whatever could not be parsed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FollowList {
    /// Valid, distinct ids.
    pub ids: Vec<RunnerId>,
    /// Entries that were not valid ids, with the reason.
    pub rejected: Vec<String>,
}

impl FollowList {
    /// Parses comma- or space-separated lists, merging them in order.
    pub fn parse<'a>(sources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut list = Self::default();
        for part in sources.into_iter().flat_map(|s| s.split([',', ' '])) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            match RunnerId::parse(part) {
                Ok(id) if list.ids.contains(&id) => {}
                Ok(_) if list.ids.len() >= MAX_FOLLOWS => {
                    list.rejected
                        .push(format!("{part}: at most {MAX_FOLLOWS} runners at once"));
                }
                Ok(id) => list.ids.push(id),
                Err(err) => list.rejected.push(err.to_string()),
            }
        }
        list
    }

    /// The page URL that follows `ids`.
    pub fn href(ids: &[RunnerId]) -> String {
        if ids.is_empty() {
            "/".to_owned()
        } else {
            let joined: Vec<&str> = ids.iter().map(RunnerId::as_str).collect();
            format!("/?follow={}", joined.join(","))
        }
    }

    /// The URL of this list without `id`.
    pub fn href_without(&self, id: &RunnerId) -> String {
        let rest: Vec<RunnerId> = self.ids.iter().filter(|r| *r != id).cloned().collect();
        Self::href(&rest)
    }

    /// The ids joined by commas, as in the `follow` parameter.
    pub fn joined(&self) -> String {
        self.ids
            .iter()
            .map(RunnerId::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_dedupes_and_keeps_order() {
        let list = FollowList::parse(["3,7", " 7 anna,,3 "]);
        let ids: Vec<&str> = list.ids.iter().map(RunnerId::as_str).collect();
        assert_eq!(ids, ["3", "7", "anna"]);
        assert!(list.rejected.is_empty());
        assert_eq!(FollowList::href(&list.ids), "/?follow=3,7,anna");
        assert_eq!(list.href_without(&list.ids[1]), "/?follow=3,anna");
    }

    #[test]
    fn missing_from_gives_what_a_change_added_and_removed() {
        let ids = |s: &str| FollowList::parse([s]).ids;
        let (before, after) = (ids("1,2,3"), ids("3,4,1"));
        assert_eq!(missing_from(&after, &before), ids("4"));
        assert_eq!(missing_from(&before, &after), ids("2"));
        assert!(missing_from(&before, &before).is_empty());
    }

    #[test]
    fn reports_bad_entries_and_caps_the_count() {
        let list = FollowList::parse(["1,<b>"]);
        assert_eq!(list.ids.len(), 1);
        assert_eq!(list.rejected.len(), 1);
        let many: String = (0..60).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let list = FollowList::parse([many.as_str()]);
        assert_eq!(list.ids.len(), MAX_FOLLOWS);
        assert_eq!(list.rejected.len(), 10);
    }
}
