// Included first by every file that includes Boost.Beast (src/net/*.cc), before any Boost header.
//
// Boost 1.74's HTTP parser (Debian 12) asserts `n >= 5` in parse_chunk_header when the end of a
// chunked body arrives split ("0\r\n", then "\r\n") or as "0\n\r\n": an over-strict assert, the
// code after it handles those bytes correctly (fixed upstream: boostorg/beast PR #2861). With
// asserts on, as in our debugoptimized builds, any client could abort our HTTP servers that way
// (the bug beast_chunk_assert, found by fuzzing). So Boost's own asserts are off in these files;
// ours (assert) stay on.
#pragma once

#ifndef BOOST_DISABLE_ASSERTS
#define BOOST_DISABLE_ASSERTS
#endif
