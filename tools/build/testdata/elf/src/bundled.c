/* A library an extension bundles in `pkg.libs/` (as `auditwheel repair` does). */
int bundled_answer(void) { return 42; }
