//! Transaction eras: how long a signed transaction stays valid.
//!
//! An immortal transaction is valid forever (replay is still prevented by the nonce). A mortal
//! one names a period (a power of two, 4 to 65536) and a phase: it is valid from its *birth*
//! block, the last block at or before the current one whose number is `phase` modulo `period`,
//! for `period` blocks. The signature covers the birth block's hash, so a transaction signed on
//! a fork or after its era is over does not verify. Encoding is Substrate's.

use crate::BlockNumber;
use codec::{Decode, Encode, Error, Input, Output};
use scale_info::TypeInfo;

/// The period used when a client asks for a mortal era without choosing one.
pub const DEFAULT_MORTAL_PERIOD: u64 = 64;

/// A transaction's era.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Era {
    /// Valid forever.
    Immortal,
    /// `(period, phase)`: valid for `period` blocks from its birth.
    Mortal(u64, u64),
}

impl Era {
    /// A mortal era of (about) `period` blocks starting at block `current`.
    ///
    /// The period is rounded up to a power of two within 4..=65536, and the phase is quantized
    /// as the encoding requires (which can only move the birth earlier, never later).
    pub fn mortal(period: u64, current: u64) -> Self {
        let period = period
            .checked_next_power_of_two()
            .unwrap_or(1 << 16)
            .clamp(4, 1 << 16);
        let phase = current % period;
        let quantize_factor = (period >> 12).max(1);
        Self::Mortal(period, phase / quantize_factor * quantize_factor)
    }

    /// Whether this is [`Era::Immortal`].
    pub fn is_immortal(&self) -> bool {
        matches!(self, Self::Immortal)
    }

    /// The birth block of a transaction seen at block `current`.
    ///
    /// For a young chain this can exceed `current` (when `phase > current`): the era has not
    /// started yet.
    pub fn birth(self, current: u64) -> u64 {
        match self {
            Self::Immortal => 0,
            Self::Mortal(period, phase) => (current.max(phase) - phase) / period * period + phase,
        }
    }

    /// The first block at which a transaction seen at `current` is no longer valid.
    pub fn death(self, current: u64) -> u64 {
        match self {
            Self::Immortal => u64::MAX,
            Self::Mortal(period, _) => self.birth(current).saturating_add(period),
        }
    }

    /// The birth block as a [`BlockNumber`], if it fits.
    pub fn birth_number(self, current: BlockNumber) -> Option<BlockNumber> {
        BlockNumber::try_from(self.birth(u64::from(current))).ok()
    }
}

impl Encode for Era {
    fn encode_to<T: Output + ?Sized>(&self, output: &mut T) {
        match self {
            Self::Immortal => output.push_byte(0),
            Self::Mortal(period, phase) => {
                let quantize_factor = (*period >> 12).max(1);
                let low = (period.trailing_zeros().saturating_sub(1)).clamp(1, 15) as u16;
                let encoded = low | (((phase / quantize_factor) as u16) << 4);
                encoded.encode_to(output);
            }
        }
    }
}

impl codec::EncodeLike for Era {}

impl Decode for Era {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let first = input.read_byte()?;
        if first == 0 {
            return Ok(Self::Immortal);
        }
        let encoded = u64::from(first) + (u64::from(input.read_byte()?) << 8);
        let period = 2 << (encoded % (1 << 4));
        let quantize_factor = (period >> 12).max(1);
        let phase = (encoded >> 4) * quantize_factor;
        if period >= 4 && phase < period {
            Ok(Self::Mortal(period, phase))
        } else {
            Err("Invalid period and phase".into())
        }
    }
}

impl TypeInfo for Era {
    type Identity = Self;

    /// Described as Substrate describes it, so clients recognize the type: variant `Immortal`
    /// and 255 variants `Mortal1..Mortal255` carrying the second byte.
    fn type_info() -> scale_info::Type {
        let mut variants = scale_info::build::Variants::new().variant("Immortal", |v| v.index(0));
        for i in 1..=255u8 {
            let name: &'static str = MORTAL_NAMES[usize::from(i) - 1];
            variants = variants.variant(name, |v| {
                v.index(i)
                    .fields(scale_info::build::Fields::unnamed().field(|f| f.ty::<u8>()))
            });
        }
        scale_info::Type::builder()
            .path(scale_info::Path::new("Era", "sp_runtime::generic::era"))
            .variant(variants)
    }
}

macro_rules! mortal_names {
    ($($n:literal)*) => { [$(concat!("Mortal", $n)),*] };
}

static MORTAL_NAMES: [&str; 255] = mortal_names!(
    1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35
    36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67
    68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99
    100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123
    124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142 143 144 145 146 147
    148 149 150 151 152 153 154 155 156 157 158 159 160 161 162 163 164 165 166 167 168 169 170 171
    172 173 174 175 176 177 178 179 180 181 182 183 184 185 186 187 188 189 190 191 192 193 194 195
    196 197 198 199 200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219
    220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243
    244 245 246 247 248 249 250 251 252 253 254 255
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immortal_is_one_zero_byte() {
        assert_eq!(Era::Immortal.encode(), [0]);
        assert_eq!(Era::decode(&mut &[0u8][..]), Ok(Era::Immortal));
    }

    #[test]
    fn substrate_vectors() {
        // From sp-runtime's era tests.
        let era = Era::mortal(64, 42);
        assert_eq!(era, Era::Mortal(64, 42));
        assert_eq!(era.encode(), [165, 2]);
        assert_eq!(Era::decode(&mut &[165u8, 2][..]), Ok(era));
        let big = Era::mortal(32768, 20000);
        assert_eq!(big, Era::Mortal(32768, 20000));
        assert_eq!(big.encode(), [78, 156]);
        assert_eq!(Era::decode(&mut &big.encode()[..]), Ok(big));
    }

    #[test]
    fn birth_and_death() {
        let era = Era::mortal(4, 6);
        assert_eq!(era, Era::Mortal(4, 2));
        assert_eq!(era.birth(6), 6);
        assert_eq!(era.death(6), 10);
        assert_eq!(era.birth(9), 6);
        assert_eq!(
            era.birth(10),
            10,
            "after its death the era names a later birth"
        );
        // Phase beyond the current block: not born yet.
        assert_eq!(Era::Mortal(64, 10).birth(5), 10);
    }

    #[test]
    fn invalid_encodings_are_refused() {
        // Period 2 (low nibble 0) is below the minimum of 4.
        assert!(Era::decode(&mut &[0x10u8, 0][..]).is_err());
        // Truncated.
        assert!(Era::decode(&mut &[165u8][..]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn mortal_eras_round_trip(period in 0u64..100_000, current in 0u64..10_000_000) {
            let era = Era::mortal(period, current);
            proptest::prop_assert_eq!(Era::decode(&mut &era.encode()[..]).unwrap(), era);
            proptest::prop_assert!(era.birth(current) <= current);
            proptest::prop_assert!(era.death(current) > current);
        }

        #[test]
        fn decoding_any_two_bytes_never_panics(a in 0u8.., b in 0u8..) {
            let _ = Era::decode(&mut &[a, b][..]);
        }
    }
}
