import Foundation

/// Byte-level text work for the hot paths (10,000 file names, a megabyte of output), without String's and
/// Foundation's Unicode-aware comparison and search: ordering names, case-insensitive ASCII suffixes, and the
/// ``Redactor``'s checks for whether there is anything to mask at all.
///
/// ```swift
/// TextScan.bytesPrecede("0002_b.sql", "0010_a.sql")                  // true
/// TextScan.hasSuffixIgnoringCase("0001_init.SQL", ".sql")            // true
/// TextScan.contains("login for app:hunter2@db", "hunter2")          // true
/// TextScan.hasURLWithPassword("postgres://app:pw@db/app")            // true
/// TextScan.containsIgnoringCase("PASSWORD=x", "password")            // true
/// TextScan.containsWordIgnoringCase("SELECT a INTO b", "into")       // true ("intox" would not match)
/// ```
package enum TextScan {
    /// Byte order of two names (as `ls` sorts in the C locale).
    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        let result = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = min(x.count, y.count)
                if n > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let c = memcmp(p, q, n)
                    if c != 0 { return c < 0 }
                }
                return x.count < y.count
            }
        }
        return (result ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `name` ends with `suffix` (ASCII, lower case) in any case.
    static func hasSuffixIgnoringCase(_ name: String, _ suffix: String) -> Bool {
        let n = name.utf8, x = suffix.utf8
        guard n.count >= x.count else { return false }
        return zip(n.suffix(x.count), x).allSatisfy { a, b in lower(a) == b }
    }

    /// An ASCII upper-case letter's lower-case form; any other byte as it is.
    private static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    /// Whether `needle`'s UTF-8 bytes occur in `text`'s.
    static func contains(_ text: String, _ needle: String) -> Bool {
        var text = text
        return text.withUTF8 { t in contains(UnsafeRawBufferPointer(t), needle) }
    }

    /// Whether `needle`'s UTF-8 bytes occur in `bytes` (the contents of a file, say).
    package static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { n in
            guard !n.isEmpty else { return true }
            guard bytes.count >= n.count, let tb = bytes.baseAddress, let nb = n.baseAddress else { return false }
            // memchr to the next candidate first byte, memcmp the rest.
            let last = bytes.count - n.count
            var i = 0
            while i <= last {
                guard let hit = memchr(tb + i, Int32(n[0]), last - i + 1) else { return false }
                let k = Int(bitPattern: hit) - Int(bitPattern: tb)
                if memcmp(tb + k, nb, n.count) == 0 { return true }
                i = k + 1
            }
            return false
        }
    }

    /// Whether every byte of `text` is ASCII.
    static func isASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { t in !t.contains { $0 >= 0x80 } }
    }

    /// Whether `needle` (ASCII, lower case) occurs in `text` in any case.
    static func containsIgnoringCase(_ text: String, _ needle: String) -> Bool {
        find(needle, in: text, wholeWord: false)
    }

    /// Whether `word` (ASCII, lower case) occurs in `text` in any case as a whole word: with no letter, digit, `_`,
    /// `$` or non-ASCII byte (what an SQL identifier is made of) right before or after it.
    static func containsWordIgnoringCase(_ text: String, _ word: String) -> Bool {
        find(word, in: text, wholeWord: true)
    }

    private static func find(_ needle: String, in text: String, wholeWord: Bool) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first else { return true }
        func isIdentifier(_ c: UInt8) -> Bool {
            let l = lower(c)
            return (l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 36 || c >= 0x80
        }
        var text = text
        return text.withUTF8 { t in
            guard t.count >= n.count else { return false }
            var i = 0
            while i <= t.count - n.count {
                if lower(t[i]) == first {
                    var j = 1
                    while j < n.count, lower(t[i + j]) == n[j] { j += 1 }
                    if j == n.count, !wholeWord || ((i == 0 || !isIdentifier(t[i - 1])) && (i + j == t.count || !isIdentifier(t[i + j]))) {
                        return true
                    }
                }
                i += 1
            }
            return false
        }
    }

    /// `text` with the password of every `scheme://user:password@` replaced by `***`, for ASCII text: what
    /// ``Redactor/redactURL(_:)``'s regular expression `(://[^:/@\s]*):[^\s"']*@` → `$1:***@` does, without compiling
    /// one (ICU's regular expressions cost a run more than a millisecond of start-up). The password runs to the LAST `@`
    /// before whitespace or a quote. Nil for text with a non-ASCII byte, whose whitespace only the expression knows.
    static func maskingURLPasswords(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { t -> String? in
            guard !t.contains(where: { $0 >= 0x80 }) else { return nil }
            var out: [UInt8] = []
            var copied = 0
            forEachURLPassword(in: t) { colon, lastAt in
                if out.isEmpty { out.reserveCapacity(t.count) }
                out.append(contentsOf: t[copied...colon])      // up to and including the `:` after the user
                out.append(contentsOf: [42, 42, 42, 64])       // "***@"
                copied = lastAt + 1
                return true
            }
            guard copied > 0 else { return String(decoding: t, as: UTF8.self) }
            out.append(contentsOf: t[copied...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// ASCII whitespace: space, tab, line feed, vertical tab, form feed, carriage return (what PostgreSQL's scanner and
    /// a regular expression's `\s` take as whitespace in ASCII text).
    static func isASCIIWhitespace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// The index just after the SQL comment that starts at `i` of `b`, or nil when none starts there: a `--` comment
    /// ends before its line break (`\n` or `\r`, as in PostgreSQL's scanner), a `/* */` comment after its closing
    /// `*/` (nested ones counted), either at the end of `b` when it does not end.
    static func sqlCommentEnd<C: RandomAccessCollection<UInt8>>(_ b: C, at i: Int) -> Int? where C.Index == Int {
        guard i + 1 < b.endIndex else { return nil }
        if b[i] == 0x2D, b[i + 1] == 0x2D {   // --
            var k = i + 2
            while k < b.endIndex, b[k] != 0x0A, b[k] != 0x0D { k += 1 }
            return k
        }
        guard b[i] == 0x2F, b[i + 1] == 0x2A else { return nil }   // /*
        var depth = 0
        var k = i
        while k < b.endIndex {
            if b[k] == 0x2F, k + 1 < b.endIndex, b[k + 1] == 0x2A { depth += 1; k += 2; continue }
            if b[k] == 0x2A, k + 1 < b.endIndex, b[k + 1] == 0x2F { depth -= 1; k += 2; if depth == 0 { return k }; continue }
            k += 1
        }
        return k
    }

    /// Whether `text` (not only ASCII) contains `password` in any case once the only non-ASCII characters whose
    /// Unicode case folding gives letters of that word are folded: `ſ` (U+017F) → `s`, `ß` (U+00DF) and `ẞ` (U+1E9E)
    /// → `ss`. When it does not, the case-insensitive expression `password` cannot match either.
    static func mayFoldToPassword(_ text: String) -> Bool {
        var folded: [UInt8] = []
        folded.reserveCapacity(text.utf8.count)
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 0xC5, i + 1 < b.count, b[i + 1] == 0xBF { folded.append(115); i += 2 }                               // ſ
            else if b[i] == 0xC3, i + 1 < b.count, b[i + 1] == 0x9F { folded += [115, 115]; i += 2 }                     // ß
            else if b[i] == 0xE1, i + 2 < b.count, b[i + 1] == 0xBA, b[i + 2] == 0x9E { folded += [115, 115]; i += 3 }  // ẞ
            else { folded.append(b[i]); i += 1 }
        }
        return containsIgnoringCase(String(decoding: folded, as: UTF8.self), "password")
    }

    /// Whether some `://` is followed by `user:…@` (no `:`, `/`, `@` or space in the user; no space or quote before
    /// the `@`): the shape ``Redactor/redactURL(_:)`` masks.
    static func hasURLWithPassword(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { t in
            var found = false
            forEachURLPassword(in: t) { _, _ in
                found = true
                return false
            }
            return found
        }
    }

    /// Calls `body` with each `scheme://user:password@` of `t` (the regular expression's matches, left to right, not
    /// overlapping): the index of the `:` after the user and of the password's last `@` (before whitespace or a
    /// quote). `body` returns false to stop.
    private static func forEachURLPassword(in t: UnsafeBufferPointer<UInt8>, _ body: (_ colon: Int, _ lastAt: Int) -> Bool) {
        let isSpace = isASCIIWhitespace
        var i = 0
        while i + 3 <= t.count {
            guard t[i] == 58, t[i + 1] == 47, t[i + 2] == 47 else { i += 1; continue }  // "://"
            var j = i + 3
            while j < t.count, t[j] != 58, t[j] != 47, t[j] != 64, !isSpace(t[j]) { j += 1 }
            var lastAt = -1
            if j < t.count, t[j] == 58 {
                var k = j + 1
                while k < t.count, !isSpace(t[k]), t[k] != 34, t[k] != 39 {
                    if t[k] == 64 { lastAt = k }
                    k += 1
                }
            }
            guard lastAt >= 0 else { i += 1; continue }
            guard body(j, lastAt) else { return }
            i = lastAt + 1
        }
    }
}

