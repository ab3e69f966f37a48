//! Conventions shared by the list routes: page-based paging, sort direction
//! and case-insensitive substring search.

use crate::error::{ApiError, ApiResult};

/// Validated paging: `(page, page_size, offset)`.
pub fn paging(
    page: Option<i64>,
    page_size: Option<i64>,
    default_size: i64,
) -> ApiResult<(i64, i64, i64)> {
    let page = page.unwrap_or(1);
    let size = page_size.unwrap_or(default_size);
    if page < 1 {
        return Err(ApiError::invalid(
            "page",
            "out_of_range",
            "page must be at least 1",
        ));
    }
    if !(1..=100).contains(&size) {
        return Err(ApiError::invalid(
            "page_size",
            "out_of_range",
            "page_size must be between 1 and 100",
        ));
    }
    let offset = (page - 1)
        .checked_mul(size)
        .ok_or_else(|| ApiError::invalid("page", "out_of_range", "page is too large"))?;
    Ok((page, size, offset))
}

pub fn total_pages(total: i64, size: i64) -> i64 {
    ((total + size - 1) / size).max(1)
}

/// `asc` or `desc` (default `desc`) as SQL; anything else is a 422.
pub fn sort_direction(raw: Option<&str>) -> ApiResult<&'static str> {
    match raw.unwrap_or("desc") {
        "asc" => Ok("ASC"),
        "desc" => Ok("DESC"),
        _ => Err(ApiError::invalid(
            "sort_order",
            "invalid_sort",
            "sort_order must be asc or desc",
        )),
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching `search` anywhere, lowercased.
pub fn search_pattern(search: Option<&str>) -> Option<String> {
    search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())))
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(search_pattern(Some("A%_b")).unwrap(), "%a\\%\\_b%");
        assert_eq!(sort_direction(None).unwrap(), "DESC");
        assert!(sort_direction(Some("sideways")).is_err());
        assert_eq!(paging(Some(2), Some(10), 25).unwrap(), (2, 10, 10));
    }
}
