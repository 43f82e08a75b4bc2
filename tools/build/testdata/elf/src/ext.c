/* An extension module that needs a library: the bundled one (with an
   `$ORIGIN/../pkg.libs` RPATH), or a stub named like libpython or libssl. */
extern int bundled_answer(void);
int ext_answer(void) { return bundled_answer() + 1; }
