package main

import (
	"fmt"
	"os"
	"path/filepath"

	"bartedit/assets"
	"bartedit/model"
)

// openModel opens the bundle named by --model: a path, or "" for the
// embedded default model.
func openModel(path string) (*model.Bundle, error) {
	if path == "" {
		return model.OpenBundleBytes(assets.DefaultModelName, assets.DefaultModel)
	}
	return model.OpenBundle(path)
}

// newBackend returns the backend the command line runs on.
func newBackend() model.Backend { return model.NewCPU() }

// loadModel opens and builds a model on the backend.
func loadModel(path string) (*model.Model, error) {
	bundle, err := openModel(path)
	if err != nil {
		return nil, err
	}
	defer bundle.Close()
	return model.LoadModel(newBackend(), bundle)
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so a failed write leaves no partial file. Without
// force an existing file is an error.
func writeFileAtomic(path string, force bool, write func(f *os.File) error) error {
	if !force {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s exists (use --force to overwrite)", path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
