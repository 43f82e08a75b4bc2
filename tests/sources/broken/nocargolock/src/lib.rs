use pyo3::prelude::*;

#[pymodule]
fn nocargolock(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
