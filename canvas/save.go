package canvas

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is wrapped by WritePNGAtomic's error for a path that exists
// when overwriting was not asked for.
var ErrExists = errors.New("file exists")

// WritePNGAtomic encodes img as a PNG at path. It writes a temporary file
// in the same directory, syncs it and renames it over path, so path is
// either untouched or holds the complete new file: on any error no file at
// path is created or changed, and the temporary file is removed.
//
// An existing path is refused (the error wraps ErrExists and says how to
// force) unless overwrite is set; then the new file keeps the old one's
// permission bits. Without overwrite the final step is a hard link, which
// fails rather than replace a file created meanwhile; where the file
// system has no hard links it falls back to a checked rename.
func WritePNGAtomic(path string, img image.Image, overwrite bool) (err error) {
	if img == nil {
		return fmt.Errorf("canvas: save %s: no image", path)
	}
	perm := fs.FileMode(0o644)
	switch st, serr := os.Stat(path); {
	case serr == nil && st.IsDir():
		return fmt.Errorf("canvas: save %s: is a directory", path)
	case serr == nil && !overwrite:
		return fmt.Errorf("canvas: save %s: %w; choose overwrite (--force) to replace it", path, ErrExists)
	case serr == nil:
		perm = st.Mode().Perm()
	case !errors.Is(serr, fs.ErrNotExist):
		return fmt.Errorf("canvas: save: %w", serr)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("canvas: save %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := png.Encode(f, img); err != nil {
		return fmt.Errorf("canvas: save %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("canvas: save %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("canvas: save %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("canvas: save %s: %w", path, err)
	}
	if overwrite {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("canvas: save %s: %w", path, err)
		}
	} else if err := linkNoClobber(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// linkNoClobber moves tmp to path, failing if path exists.
func linkNoClobber(tmp, path string) error {
	lerr := os.Link(tmp, path)
	if lerr == nil {
		os.Remove(tmp)
		return nil
	}
	if errors.Is(lerr, fs.ErrExist) {
		return fmt.Errorf("canvas: save %s: %w; choose overwrite (--force) to replace it", path, ErrExists)
	}
	// No hard links here (FAT, some network file systems): check, then
	// rename, which leaves a small window for a race.
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("canvas: save %s: %w; choose overwrite (--force) to replace it", path, ErrExists)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("canvas: save %s: %w", path, err)
	}
	return nil
}

// syncDir makes the rename durable where the platform allows; failures are
// ignored because the file itself is complete either way.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
