//! Bounded collections: a `Vec` whose length is checked on construction and on decoding, so
//! untrusted input cannot allocate more than the bound and storage cannot grow without limit.

use alloc::vec::Vec;
use codec::{Compact, Decode, Encode, EncodeLike, Input, MaxEncodedLen};
use core::{fmt, marker::PhantomData, ops::Deref};
use scale_info::{Path, Type, TypeInfo, TypeParameter, build::Fields, meta_type};

/// A value known at compile time through a type (bounds, constants).
pub trait Get<T> {
    /// The value.
    fn get() -> T;
}

macro_rules! const_getter {
    ($name:ident, $t:ty) => {
        /// A constant of its type parameter.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name<const N: $t>;

        impl<const N: $t> Get<$t> for $name<N> {
            fn get() -> $t {
                N
            }
        }

        impl<const N: $t> Get<Option<$t>> for $name<N> {
            fn get() -> Option<$t> {
                Some(N)
            }
        }
    };
}

const_getter!(ConstU32, u32);
const_getter!(ConstU64, u64);
const_getter!(ConstU128, u128);

/// A `Vec` of at most `S::get()` items.
pub struct BoundedVec<T, S>(Vec<T>, PhantomData<S>);

/// Returned when an operation would exceed the bound; carries the rejected items back.
#[derive(Debug, PartialEq, Eq)]
pub struct BoundExceeded<T>(pub T);

impl<T, S: Get<u32>> BoundedVec<T, S> {
    /// The bound.
    pub fn bound() -> usize {
        S::get() as usize
    }

    /// An empty vector.
    pub fn new() -> Self {
        Self(Vec::new(), PhantomData)
    }

    /// Wraps `items` if there are at most `bound` of them.
    pub fn try_from_vec(items: Vec<T>) -> Result<Self, BoundExceeded<Vec<T>>> {
        if items.len() <= Self::bound() {
            Ok(Self(items, PhantomData))
        } else {
            Err(BoundExceeded(items))
        }
    }

    /// Wraps `items`, dropping any beyond the bound.
    pub fn truncate_from(mut items: Vec<T>) -> Self {
        items.truncate(Self::bound());
        Self(items, PhantomData)
    }

    /// Appends `item` if there is room.
    pub fn try_push(&mut self, item: T) -> Result<(), BoundExceeded<T>> {
        if self.0.len() < Self::bound() {
            self.0.push(item);
            Ok(())
        } else {
            Err(BoundExceeded(item))
        }
    }

    /// Inserts `item` at `index` if there is room.
    ///
    /// # Panics
    /// If `index > len`, like `Vec::insert`.
    pub fn try_insert(&mut self, index: usize, item: T) -> Result<(), BoundExceeded<T>> {
        if self.0.len() < Self::bound() {
            self.0.insert(index, item);
            Ok(())
        } else {
            Err(BoundExceeded(item))
        }
    }

    /// Removes and returns the item at `index`.
    ///
    /// # Panics
    /// If `index >= len`, like `Vec::remove`.
    pub fn remove(&mut self, index: usize) -> T {
        self.0.remove(index)
    }

    /// Keeps the items for which `f` is true.
    pub fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.0.retain(f)
    }

    /// Mutable access to an item.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.0.get_mut(index)
    }

    /// Mutable iteration (the length cannot change).
    pub fn iter_mut(&mut self) -> core::slice::IterMut<'_, T> {
        self.0.iter_mut()
    }

    /// The inner vector.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T, S: Get<u32>> Default for BoundedVec<T, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone, S> Clone for BoundedVec<T, S> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<T: PartialEq, S> PartialEq for BoundedVec<T, S> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Eq, S> Eq for BoundedVec<T, S> {}

impl<T: fmt::Debug, S> fmt::Debug for BoundedVec<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T, S> Deref for BoundedVec<T, S> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, S: Get<u32>> TryFrom<Vec<T>> for BoundedVec<T, S> {
    type Error = BoundExceeded<Vec<T>>;
    fn try_from(items: Vec<T>) -> Result<Self, Self::Error> {
        Self::try_from_vec(items)
    }
}

impl<T: Encode, S> Encode for BoundedVec<T, S> {
    fn size_hint(&self) -> usize {
        self.0.size_hint()
    }

    fn encode_to<O: codec::Output + ?Sized>(&self, dest: &mut O) {
        self.0.encode_to(dest)
    }
}

impl<T: Encode, S> EncodeLike for BoundedVec<T, S> {}
impl<T: Encode, S> EncodeLike<Vec<T>> for BoundedVec<T, S> {}

impl<T: Decode, S: Get<u32>> Decode for BoundedVec<T, S> {
    fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
        let len = Compact::<u32>::decode(input)?.0;
        if len > S::get() {
            return Err("BoundedVec exceeds its limit".into());
        }
        let items = codec::decode_vec_with_len(input, len as usize)?;
        Ok(Self(items, PhantomData))
    }
}

impl<T: MaxEncodedLen, S: Get<u32>> MaxEncodedLen for BoundedVec<T, S> {
    fn max_encoded_len() -> usize {
        Compact(S::get())
            .encoded_size()
            .saturating_add((S::get() as usize).saturating_mul(T::max_encoded_len()))
    }
}

impl<T: TypeInfo + 'static, S: 'static> TypeInfo for BoundedVec<T, S> {
    type Identity = Self;

    /// Described as `bounded_collections::BoundedVec` is, so clients decode it as a `Vec`.
    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("BoundedVec", "bounded_collections::bounded_vec"))
            .type_params(alloc::vec![
                TypeParameter::new("T", Some(meta_type::<T>())),
                TypeParameter::new("S", None),
            ])
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<T>>().type_name("Vec<T>")))
    }
}

impl<T: serde::Serialize, S> serde::Serialize for BoundedVec<T, S> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de>, S: Get<u32>> serde::Deserialize<'de> for BoundedVec<T, S> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        Self::try_from_vec(items)
            .map_err(|_| serde::de::Error::custom("too many items for a bounded vector"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Three = BoundedVec<u16, ConstU32<3>>;

    #[test]
    fn the_bound_holds_everywhere() {
        let mut v = Three::new();
        for i in 0..3 {
            v.try_push(i).unwrap();
        }
        assert_eq!(v.try_push(3), Err(BoundExceeded(3)));
        assert!(Three::try_from_vec(alloc::vec![1, 2, 3, 4]).is_err());
        assert_eq!(Three::truncate_from(alloc::vec![1, 2, 3, 4]).len(), 3);
    }

    #[test]
    fn decoding_refuses_an_oversized_length_before_allocating() {
        let four = alloc::vec![1u16, 2, 3, 4].encode();
        assert!(Three::decode(&mut &four[..]).is_err());
        // A length prefix of u32::MAX with no data behind it.
        let huge = Compact(u32::MAX).encode();
        assert!(BoundedVec::<u8, ConstU32<{ u32::MAX }>>::decode(&mut &huge[..]).is_err());
        let three = alloc::vec![1u16, 2, 3].encode();
        assert_eq!(
            Three::decode(&mut &three[..]).unwrap().into_inner(),
            alloc::vec![1, 2, 3]
        );
        assert_eq!(Three::max_encoded_len(), 1 + 3 * 2);
    }
}
