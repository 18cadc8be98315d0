package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Prefs are the editor's remembered choices, kept as JSON in the user's
// config folder.
type Prefs struct {
	// Model is the model the user picked in the panel; empty lets the
	// editor pick for each picture (PickModel).
	Model string `json:"model,omitempty"`
}

// DefaultPrefsPath is ~/.config/bartedit/prefs.json (os.UserConfigDir).
func DefaultPrefsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "bartedit", "prefs.json"), nil
}

// LoadPrefs reads the preferences at path; a missing file gives the
// defaults. A file that does not parse is an error (and is left alone).
func LoadPrefs(path string) (Prefs, error) {
	var p Prefs
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return Prefs{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Save writes p to path through a temporary file and a rename.
func (p Prefs) Save(path string) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".prefs-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
