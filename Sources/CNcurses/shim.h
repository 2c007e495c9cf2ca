// ncursesw for Swift: the wide-character API needs these defines before the header (SwiftPM drops
// pkg-config's), and macros and C globals need small functions Swift can call.
#ifndef PAPERS_CNCURSES_SHIM_H
#define PAPERS_CNCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *papers_stdscr(void) { return stdscr; }
static inline int papers_lines(void) { return LINES; }
static inline int papers_cols(void) { return COLS; }
static inline attr_t papers_a_bold(void) { return A_BOLD; }
static inline attr_t papers_a_underline(void) { return A_UNDERLINE; }
static inline attr_t papers_a_reverse(void) { return A_REVERSE; }
static inline attr_t papers_a_normal(void) { return A_NORMAL; }
static inline int papers_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline int papers_key_resize(void) { return KEY_RESIZE; }
static inline int papers_err(void) { return ERR; }
static inline int papers_colors(void) { return COLORS; }
static inline int papers_color_pairs(void) { return COLOR_PAIRS; }
static inline int papers_key_code_yes(void) { return KEY_CODE_YES; }

/// Draws one cell: a wide-character string (one grapheme) with attributes and a colour pair.
static inline int papers_put_cell(int y, int x, const wchar_t *text, attr_t attributes, short pair) {
    cchar_t cell;
    setcchar(&cell, text, attributes, pair, NULL);
    return mvadd_wch(y, x, &cell);
}

#endif
