//! Decimal text to `f64` / `f32`, correctly rounded (to nearest, ties to even), as Java's
//! `Double.parseDouble` / `Float.parseFloat` round, with the grammar of Rust's `str::parse`
//! (tested against it bit for bit).
//!
//! `lexical-parse-float` built `compact`: core's parser links a 10 KiB table of powers of five
//! (Eisel-Lemire), about 16 KB of the browser bundle's gzip; this one about 7 KB.

use lexical_parse_float::FromLexical;

/// `s` as an `f64`, or `None` if `str::parse::<f64>` rejects it.
pub fn parse_f64(s: &str) -> Option<f64> {
    f64::from_lexical(s.as_bytes()).ok()
}

/// `s` as an `f32`, or `None` if `str::parse::<f32>` rejects it.
pub fn parse_f32(s: &str) -> Option<f32> {
    f32::from_lexical(s.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) {
        let (a, b) = (parse_f64(s), s.parse::<f64>().ok());
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "f64 {s:?}");
        let (a, b) = (parse_f32(s), s.parse::<f32>().ok());
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "f32 {s:?}");
    }

    #[test]
    fn grammar_and_specials_as_str_parse() {
        for s in [
            "",
            "+",
            "-",
            ".",
            "e",
            "e5",
            ".e1",
            "1e",
            "1e+",
            "1e-",
            "1.",
            ".5",
            "+.5",
            "-.5e-3",
            "1.e1",
            "1..2",
            "1.2.3",
            " 1",
            "1 ",
            "1_0",
            "0x10",
            "1f",
            "1d",
            "inf",
            "-inf",
            "+Infinity",
            "INF",
            "InFiNiTy",
            "infinit",
            "infx",
            "nan",
            "NaN",
            "-nan",
            "+NAN",
            "nan1",
            "0",
            "-0",
            "+0.0",
            "00000",
            "0e999999999999999999999",
            "1e999999999999999999",
            "1e-999999999999999999",
            "0.000",
            "1e0000000000000000000000001",
            "5e-324",
            "2e-324",
            "2.4703282292062328e-324",
            "2.4703282292062327e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "4.9406564584124654e-324",
            "9007199254740993",
            "9007199254740992.5",
            "16777217",
            "16777217.000000001",
            "3.4028235e38",
            "3.4028236e38",
            "3.40282357e38",
            "1.17549435e-38",
            "1.4e-45",
            "7e-46",
            "7.1e-46",
            "123456789012345678901234567890",
            "0.1",
            "0.2",
            "0.3",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999999999999999999999999999999999999999999999",
        ] {
            check(s);
        }
        // A tie broken only by a digit past the 800th.
        let tie = format!("9007199254740993{}1", "0".repeat(900));
        check(&tie);
        check(&tie[..tie.len() - 1]);
        let tiny = format!(
            "0.{}24703282292062327208828439643411068618252990130716238221279284125033775364",
            "0".repeat(323)
        );
        check(&tiny);
    }

    /// Random numbers of every shape, compared bit for bit with `str::parse`.
    #[test]
    fn random_numbers_as_str_parse() {
        let mut x = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..40_000 {
            let mut s = String::new();
            if next(4) == 0 {
                s.push('-');
            }
            let int_digits = next(25) as usize;
            for _ in 0..int_digits {
                s.push(char::from(b'0' + next(10) as u8));
            }
            if next(2) == 0 {
                s.push('.');
                for _ in 0..next(25) {
                    s.push(char::from(b'0' + next(10) as u8));
                }
            }
            if next(2) == 0 {
                s.push(if next(2) == 0 { 'e' } else { 'E' });
                match next(3) {
                    0 => s.push('-'),
                    1 => s.push('+'),
                    _ => {}
                }
                s.push_str(&(next(700) as i64 - 50).unsigned_abs().to_string());
            }
            check(&s);
        }
        // Exact bits of random floats, printed shortest and with many digits.
        for _ in 0..20_000 {
            let v = f64::from_bits(next(u64::MAX) & !(1 << 63));
            if v.is_finite() {
                check(&format!("{v:e}"));
                check(&format!("{v:.30e}"));
                // Halfway to the next float: a tie, written out exactly.
                let up = f64::from_bits(v.to_bits() + 1);
                if up.is_finite() {
                    check(&format!("{:.40e}", (v + up) / 2.0));
                }
            }
            let w = f32::from_bits(next(u64::MAX) as u32 & !(1 << 31));
            if w.is_finite() {
                check(&format!("{w:e}"));
                check(&format!("{:.20e}", f64::from(w)));
                let up = f32::from_bits(w.to_bits() + 1);
                if up.is_finite() {
                    // f32 midpoints are exact in f64.
                    check(&format!("{:e}", (f64::from(w) + f64::from(up)) / 2.0));
                }
            }
        }
    }
}
