//! Vector sizes checked before anything is sent: a backend stores one size per kind (text,
//! image), and a vector of another size is refused here with the same error by every backend.

use crate::doc::SceneDoc;
use crate::error::SyncError;

/// `Err(Dimension)` unless `got == want`.
pub fn check(what: &'static str, got: usize, want: usize) -> Result<(), SyncError> {
    if got == want {
        Ok(())
    } else {
        Err(SyncError::Dimension { what, got, want })
    }
}

impl SceneDoc {
    /// Checks the scene's vectors against the backend's `(text, image)` sizes.
    pub fn check_dims(&self, (text, image): (usize, usize)) -> Result<(), SyncError> {
        if let Some((_, v)) = &self.text_vector {
            check("text vector", v.len(), text)?;
        }
        if let Some((_, v)) = &self.image_vector {
            check("image vector", v.len(), image)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn doc(text: Option<usize>, image: Option<usize>) -> SceneDoc {
        SceneDoc {
            id: Uuid::nil(),
            video_id: Uuid::nil(),
            scene_index: 0,
            start_secs: 0.0,
            end_secs: 1.0,
            combined_text: String::new(),
            transcript: String::new(),
            thumbnail_ref: None,
            thumbnail_jpeg: None,
            text_vector: text.map(|n| ("t".to_owned(), vec![0.0; n])),
            image_vector: image.map(|n| ("i".to_owned(), vec![0.0; n])),
        }
    }

    #[test]
    fn each_kind_is_checked_against_its_own_size() {
        assert!(doc(Some(384), Some(512)).check_dims((384, 512)).is_ok());
        assert!(doc(None, None).check_dims((384, 512)).is_ok());
        assert!(matches!(
            doc(Some(12), None).check_dims((384, 512)),
            Err(SyncError::Dimension {
                what: "text vector",
                got: 12,
                want: 384
            })
        ));
        assert!(matches!(
            doc(Some(384), Some(384)).check_dims((384, 512)),
            Err(SyncError::Dimension {
                what: "image vector",
                got: 384,
                want: 512
            })
        ));
        assert!(check("query vector", 3, 3).is_ok());
    }
}
