//! File systems inside a Windows image: NTFS and the FAT EFI system partition, read-only.
