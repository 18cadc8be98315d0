// Package model is ImageBART's inference engine: tensors and ops on a
// backend, the VQGAN first stage, the transition models, sampling, and the
// `.bart` bundle format. It knows nothing of images on screen or GUIs.
//
// The package is split by component, small to large:
//
//   - backend.go: the Backend interface and Tensor; ref.go the plain-loop
//     oracle; cpu*.go the fast CPU backend; gemm*.go the GEMMs (OpenBLAS,
//     opened at run time, or pure Go); mathf.go float32 exp and GELU.
//   - half.go, safetensors.go, config*.go, bundle.go: the `.bart` file
//     (docs/bundle-format.md) and its validated metadata (Meta).
//   - vqgan_blocks.go, vqgan.go: the first stage (spec section 1).
//   - transformer.go: the pre-norm stack shared by both transition
//     architectures; xtransformer.go (scales 1..T-1) and gpt.go (scale T);
//     transition.go the Transition interface the sampler drives.
//   - layout.go: condition tokens and model inputs; sample.go: drawing
//     tokens and one reverse step; model.go: a whole loaded chain.
//
// "spec" in comments is ../shared/spec/official-imagebart.md, the facts of
// the official implementation this one follows.
package model
