//! pylock.toml
pub fn parse_pylock(_t: &str, _p: &std::path::Path) -> Result<crate::Lock, crate::LockError> {
    todo!()
}
