//! MBR and GPT partition tables read through ReadAt.
