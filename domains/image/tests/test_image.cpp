// Unit tests of the image plugin's parts: IDX reader (known bytes), U-Net blocks and shapes, cross-attention
// sensitivity and the null path, ViT extra tokens, group-hierarchical routing, Frechet distance, PNG grid, the
// per-sample outputs (PNG folder, .npy/.npz bytes), the latent tables (code-class histogram, mutual information),
// and the streaming image folder (data.stream) against the in-memory one.
// Torch headers come before doctest (glog's CHECK would clobber doctest's).
#include <ATen/ATen.h>
#include <torch/utils.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <unistd.h>

#include "datasets.h"
#include "disco/error.h"
#include "frechet.h"
#include "idx.h"
#include "latents_explained.h"
#include "npz.h"
#include "png_grid.h"
#include "streaming_image_folder.h"
#include "unet.h"
#include "vit.h"
#include <doctest/doctest.h>

using namespace disco;
using namespace disco::image;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("disco_test_image_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// An IDX header + payload: magic 00 00 08 <ndims>, big-endian sizes.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> b{0, 0, 8, uint8_t(dims.size())};
  for (uint32_t d : dims) b.insert(b.end(), {uint8_t(d >> 24), uint8_t(d >> 16), uint8_t(d >> 8), uint8_t(d)});
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

void write_gz(const fs::path& p, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  gzclose(f);
}

UNetOptions small_unet(int64_t m, int64_t groups = 1, int64_t classes = 0) {
  return UNetOptions(1, 16).channels(8).channel_mult({1, 2}).attn_resolutions({8}).heads(2).m(m).k(5)
      .latent_width(8).latent_layers(1).latent_groups(groups).num_classes(classes);
}

Batch noisy_batch(int64_t b, int64_t c, int64_t r, uint64_t seed) {
  Batch batch;
  batch.size = b;
  batch.tensors["x"] = at::randn({b, c, r, r}, at::detail::createCPUGenerator(seed));
  return batch;
}

}  // namespace

TEST_CASE("IDX reader: known bytes, gzipped and plain") {
  const auto dir = temp_dir();
  std::vector<uint8_t> payload(12);
  for (int i = 0; i < 12; ++i) payload[i] = uint8_t(i * 20 + 1);
  const auto bytes = idx_bytes({2, 2, 3}, payload);
  write_gz(dir / "a.gz", bytes);
  IdxArray a = read_idx((dir / "a.gz").string());
  CHECK(a.dims == std::vector<int64_t>{2, 2, 3});
  CHECK(a.data == payload);
  {
    std::ofstream plain(dir / "b.idx", std::ios::binary);
    plain.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  CHECK(read_idx((dir / "b.idx").string()).data == payload);
  // Sizes above 255 use every byte of the big-endian header.
  write_gz(dir / "labels.gz", idx_bytes({300}, std::vector<uint8_t>(300, 7)));
  IdxArray l = read_idx((dir / "labels.gz").string());
  CHECK(l.dims == std::vector<int64_t>{300});
  CHECK(l.data.back() == 7);

  auto bad = bytes;
  bad[2] = 0x0D;  // float elements: not supported
  write_gz(dir / "float.gz", bad);
  CHECK_THROWS_WITH_AS(read_idx((dir / "float.gz").string()), doctest::Contains("not supported"), DataError);
  bad = bytes;
  bad[0] = 1;
  write_gz(dir / "magic.gz", bad);
  CHECK_THROWS_WITH_AS(read_idx((dir / "magic.gz").string()), doctest::Contains("bad magic"), DataError);
  write_gz(dir / "short.gz", std::vector<uint8_t>(bytes.begin(), bytes.end() - 3));
  CHECK_THROWS_WITH_AS(read_idx((dir / "short.gz").string()), doctest::Contains("truncated"), DataError);
  CHECK_THROWS_AS(read_idx((dir / "missing.gz").string()), DataError);
  fs::remove_all(dir);
}

TEST_CASE("Fashion-MNIST loads as [N, 1, R, R] with 10 classes (skipped when the package is absent)") {
  if (!fs::exists(std::string(kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz")) {
    MESSAGE("SKIP: " << kFashionMnistDir << " is absent (apt install dataset-fashion-mnist)");
    return;
  }
  ImageSet set = load_fashion_mnist(kFashionMnistDir, "test", 32);
  CHECK(set.images.sizes() == at::IntArrayRef({10000, 1, 32, 32}));
  CHECK(set.labels.size(0) == 10000);
  CHECK(at::bincount(set.labels).eq(1000).all().item<bool>());  // the test split is balanced
  // Padding is background: the 2-pixel border added around 28x28 is zero.
  CHECK(set.images.narrow(2, 0, 2).sum().item<int64_t>() == 0);
  CHECK(set.images.narrow(2, 2, 28).narrow(3, 2, 28).sum().item<int64_t>() > 0);
  CHECK_THROWS_AS(load_fashion_mnist(kFashionMnistDir, "test", 20), ConfigError);
}

TEST_CASE("U-Net: output shape, every up level's shape, class conditioning, baseline without latents") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  for (int64_t m : {0, 4}) {
    UNet net(small_unet(m, 1, 3));
    net->eval();
    auto batch = noisy_batch(2, 1, 16, 1);
    batch.tensors["label"] = at::tensor({0, 2}, at::kLong);
    auto sigma = at::tensor({0.5f, 3.0f});
    Latents z;
    if (m > 0) z = Latents::from_indices(at::randint(5, {2, m}, at::kLong), 5);
    auto out = net->denoise(batch, sigma, z);
    CHECK(out.sizes() == batch.at("x").sizes());
    std::vector<at::Tensor> levels;
    net->raw(batch.at("x"), at::log(sigma) / 4, batch.at("label"), z, &levels);
    REQUIRE(levels.size() == 2);
    CHECK(levels[0].sizes() == at::IntArrayRef({2, 16, 8, 8}));   // lowest resolution, 8 * 2 channels
    CHECK(levels[1].sizes() == at::IntArrayRef({2, 8, 16, 16}));
    // The class embedding matters.
    auto other = batch.with("label", at::tensor({1, 1}, at::kLong));
    CHECK_FALSE(at::allclose(net->denoise(other, sigma, z), out));
    // Ungrouped: after each self-attention at 8x8: one down block, the middle, two up blocks.
    CHECK(net->routing().size() == (m > 0 ? 4u : 0u));
  }
  // Three levels on RGB 32x32, two blocks per level.
  UNet rgb(UNetOptions(3, 32).channels(8).channel_mult({1, 2, 2}).blocks(2).attn_resolutions({16, 8}).m(2).k(3).latent_width(8));
  auto batch = noisy_batch(3, 3, 32, 2);
  CHECK(rgb->denoise(batch, at::full({3}, 1.0f), Latents::from_indices(at::zeros({3, 2}, at::kLong), 3)).sizes() ==
        at::IntArrayRef({3, 3, 32, 32}));
  CHECK_THROWS_AS(UNet(UNetOptions(1, 28).channel_mult({1, 2, 2, 2})), ConfigError);  // 28 -> 14 -> 7 -> odd
}

TEST_CASE("cross-attention reads the latents; dropped latents use the null embedding whatever the codes") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  UNet net(small_unet(3));
  net->eval();
  auto batch = noisy_batch(4, 1, 16, 3);
  auto sigma = at::full({4}, 1.0f);
  auto z1 = Latents::from_indices(at::tensor({0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}, at::kLong).reshape({4, 3}), 5);
  auto z2 = Latents::from_indices(at::tensor({4, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1}, at::kLong).reshape({4, 3}), 5);
  auto a = net->denoise(batch, sigma, z1), b = net->denoise(batch, sigma, z2);
  CHECK((a - b).abs().amax({1, 2, 3}).gt(1e-6).all().item<bool>());  // every example changes with its codes
  auto n1 = net->denoise(batch, sigma, z1.all_dropped()), n2 = net->denoise(batch, sigma, z2.all_dropped());
  CHECK(at::equal(n1, n2));
  CHECK_FALSE(at::allclose(n1, a));
  // Dropping one example affects only that example.
  Latents partial = z1;
  partial.dropped = at::tensor({0, 1, 0, 0}, at::kLong).to(at::kBool);
  auto p = net->denoise(batch, sigma, partial);
  CHECK(at::allclose(p[0], a[0]));
  CHECK(at::allclose(p[1], n1[1]));
  // Empty latents on a model with m > 0 = the null embedding.
  CHECK(at::allclose(net->denoise(batch, sigma, Latents{}), n1));
  // Soft (relaxed) codes are accepted and give something between.
  Latents soft;
  soft.codes = 0.5 * z1.codes + 0.5 * z2.codes;
  soft.dropped = at::zeros({4}, at::kBool);
  CHECK(net->denoise(batch, sigma, soft).sizes() == a.sizes());
}

TEST_CASE("latent entry: through the noise embedding alone (no cross-attention layers), or both ways") {
  torch::NoGradGuard no_grad;
  using Entry = UNetOptions::LatentEntry;
  auto batch = noisy_batch(2, 1, 16, 7);
  auto sigma = at::full({2}, 2.0f);
  auto z1 = Latents::from_indices(at::tensor({0, 1, 2, 3, 4, 0}, at::kLong).reshape({2, 3}), 5);
  auto z2 = Latents::from_indices(at::tensor({4, 3, 2, 1, 0, 4}, at::kLong).reshape({2, 3}), 5);
  for (Entry entry : {Entry::kEmbedding, Entry::kBoth}) {
    torch::manual_seed(4);
    UNet net(small_unet(3).latent_entry(entry));
    net->eval();
    CHECK(net->routing().size() == (entry == Entry::kEmbedding ? 0u : 4u));
    auto a = net->denoise(batch, sigma, z1), b = net->denoise(batch, sigma, z2);
    CHECK((a - b).abs().amax({1, 2, 3}).gt(1e-6).all().item<bool>());  // every example changes with its codes
    CHECK(at::equal(net->denoise(batch, sigma, z1.all_dropped()), net->denoise(batch, sigma, z2.all_dropped())));
  }
  // Only the embedding entries have the linear map into the noise embedding.
  torch::manual_seed(4);
  UNet emb(small_unet(3).latent_entry(Entry::kEmbedding));
  CHECK(emb->named_parameters().contains("latent_to_embedding.weight"));
  torch::manual_seed(4);
  UNet cross(small_unet(3));
  CHECK_FALSE(cross->named_parameters().contains("latent_to_embedding.weight"));
  CHECK_THROWS_AS(UNet(small_unet(4, 2).latent_entry(Entry::kEmbedding)), ConfigError);  // groups need cross-attention
}

TEST_CASE("ViT encoder: m extra tokens give [B, m, k] logits; each token has its own output") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(2);
  ViTEncoder enc(ViTEncoderOptions(1, 28, 4, 6).width(16).layers(2).heads(2).patch(7));
  enc->eval();
  auto batch = noisy_batch(3, 1, 28, 4);
  auto logits = enc->encode(batch).logits;
  CHECK(logits.sizes() == at::IntArrayRef({3, 4, 6}));
  auto features = enc->latent_features(batch.at("x"));
  CHECK(features.sizes() == at::IntArrayRef({3, 4, 16}));
  CHECK_FALSE(at::allclose(features.select(1, 0), features.select(1, 1)));  // distinct learnable extra tokens
  // The image matters.
  auto other = noisy_batch(3, 1, 28, 5);
  CHECK_FALSE(at::allclose(enc->encode(other).logits, logits));
  // Cosine logits are bounded by the scale; init_scale 0 gives uniform codes.
  ViTEncoder cosine(ViTEncoderOptions(1, 28, 4, 6).width(16).patch(4).logit_norm(true).logit_scale(3.0));
  CHECK(cosine->encode(batch).logits.abs().max().item<double>() <= 3.0 + 1e-5);
  ViTEncoder flat(ViTEncoderOptions(1, 28, 2, 6).width(16).init_scale(0.0));
  CHECK(flat->encode(batch).logits.abs().max().item<double>() < 1e-6);
  CHECK_THROWS_AS(ViTEncoder(ViTEncoderOptions(1, 28, 2, 6).patch(5)), ConfigError);
  // One head per latent: latent 0's head reaches only latent 0's logits; with cosine logits still bounded.
  for (bool cosine : {false, true}) {
    ViTEncoder per(ViTEncoderOptions(1, 28, 4, 6).width(16).head_per_latent(true).logit_norm(cosine).logit_scale(3.0));
    per->eval();
    auto before = per->encode(batch).logits;
    CHECK(before.sizes() == at::IntArrayRef({3, 4, 6}));
    if (cosine) CHECK(before.abs().max().item<double>() <= 3.0 + 1e-5);
    per->named_parameters()["head_weight"][0].mul_(-1.0);
    auto after = per->encode(batch).logits;
    CHECK_FALSE(at::allclose(after.select(1, 0), before.select(1, 0)));
    CHECK(at::equal(after.narrow(1, 1, 3), before.narrow(1, 1, 3)));
  }
}

TEST_CASE("group-hierarchical routing: group g feeds only up level g") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  UNet net(small_unet(4, 2));
  net->eval();
  // Two levels, blocks + 1 = 2 res blocks per up level, one cross-attention after each: level 0 (8x8) reads
  // latents [0, 2), level 1 (16x16) reads [2, 4); nothing else reads them.
  const auto routing = net->routing();
  REQUIRE(routing.size() == 4);
  CHECK(routing[0] == std::make_pair<int64_t, int64_t>(0, 2));
  CHECK(routing[1] == std::make_pair<int64_t, int64_t>(0, 2));
  CHECK(routing[2] == std::make_pair<int64_t, int64_t>(2, 2));
  CHECK(routing[3] == std::make_pair<int64_t, int64_t>(2, 2));
  auto batch = noisy_batch(2, 1, 16, 6);
  auto c_noise = at::zeros({2});
  auto base = Latents::from_indices(at::tensor({0, 1, 2, 3, 4, 3, 2, 1}, at::kLong).reshape({2, 4}), 5);
  auto change_group = [&](int64_t g) {
    auto idx = at::tensor({0, 1, 2, 3, 4, 3, 2, 1}, at::kLong).reshape({2, 4});
    idx.narrow(1, 2 * g, 2).add_(1).remainder_(5);
    return Latents::from_indices(idx, 5);
  };
  std::vector<at::Tensor> l0, l1, l2;
  auto out0 = net->raw(batch.at("x"), c_noise, {}, base, &l0);
  auto out1 = net->raw(batch.at("x"), c_noise, {}, change_group(1), &l1);
  auto out2 = net->raw(batch.at("x"), c_noise, {}, change_group(0), &l2);
  CHECK(at::equal(l0[0], l1[0]));        // group 1 does not reach the low-resolution level
  CHECK_FALSE(at::allclose(out0, out1)); // ... but does reach the output
  CHECK_FALSE(at::allclose(l0[0], l2[0]));  // group 0 enters at the lowest resolution
  // The token Transformer keeps groups apart: group 1's tokens do not depend on group 0's codes.
  auto t0 = net->latent_tokens(base, 2), t2 = net->latent_tokens(change_group(0), 2);
  CHECK(at::equal(t0.narrow(1, 2, 2), t2.narrow(1, 2, 2)));
  CHECK_FALSE(at::allclose(t0.narrow(1, 0, 2), t2.narrow(1, 0, 2)));
  CHECK_THROWS_AS(UNet(small_unet(3, 2)), ConfigError);   // 2 groups do not divide m = 3
  CHECK_THROWS_AS(UNet(small_unet(6, 3)), ConfigError);   // 3 groups > 2 levels
}

TEST_CASE("Frechet distance: zero for one set, |mu1 - mu2|^2 for a shift, closed form for diagonal Gaussians") {
  auto gen = at::detail::createCPUGenerator(7);
  auto f = at::randn({4000, 5}, gen, at::kDouble);
  CHECK(frechet_distance(fit_gaussian(f), fit_gaussian(f)) == doctest::Approx(0.0).epsilon(1e-6));
  auto shift = at::tensor({1.0, -2.0, 0.0, 0.5, 0.0}, at::kDouble);
  CHECK(frechet_distance(fit_gaussian(f), fit_gaussian(f + shift)) == doctest::Approx(5.25).epsilon(1e-6));
  // Exact Gaussians: N(0, diag(a)) vs N(0, diag(b)): FD = sum (sqrt a - sqrt b)^2.
  GaussianFit a{at::zeros({3}, at::kDouble), at::diag(at::tensor({1.0, 4.0, 9.0}, at::kDouble))};
  GaussianFit b{at::zeros({3}, at::kDouble), at::diag(at::tensor({4.0, 4.0, 1.0}, at::kDouble))};
  CHECK(frechet_distance(a, b) == doctest::Approx(1.0 + 0.0 + 4.0));
}

TEST_CASE("PNG grid: layout and a valid PNG file") {
  auto images = at::full({5, 1, 4, 4}, -1.0f);
  images[4].fill_(1.0f);
  auto grid = make_grid(images, 3, 2);
  CHECK(grid.sizes() == at::IntArrayRef({2 * 4 + 3 * 2, 3 * 4 + 4 * 2, 1}));
  CHECK(grid[2][2][0].item<int>() == 0);                // first image: black
  CHECK(grid[2 + 4 + 2][2 + 4 + 2][0].item<int>() == 255);  // fifth image (row 1, column 1): white
  CHECK(grid[0][0][0].item<int>() == 128);              // gutter
  const auto dir = temp_dir();
  const auto path = (dir / "g.png").string();
  write_png(path, make_grid(at::zeros({2, 3, 8, 8}), 2));
  std::ifstream in(path, std::ios::binary);
  char sig[8];
  in.read(sig, 8);
  CHECK(std::string(sig + 1, 3) == "PNG");
  CHECK_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(dir);
}

TEST_CASE("uint8 conversion: [-1, 1] -> 0..255 rounded, clamped, channels last") {
  auto x = at::zeros({2, 3, 1, 2});
  x[0][0][0][0] = -1.0f;
  x[0][1][0][0] = 1.0f;
  x[0][2][0][0] = 7.0f;   // clamped
  x[1][0][0][1] = -0.5f;  // 127.5 * 0.5 = 63.75 -> 64
  auto u8 = to_uint8_nhwc(x);
  CHECK((u8.scalar_type() == at::kByte));
  CHECK(u8.sizes() == at::IntArrayRef({2, 1, 2, 3}));
  CHECK(u8[0][0][0][0].item<int>() == 0);
  CHECK(u8[0][0][0][1].item<int>() == 255);
  CHECK(u8[0][0][0][2].item<int>() == 255);
  CHECK(u8[1][0][1][0].item<int>() == 64);
  CHECK(u8[1][0][0][0].item<int>() == 128);  // 0 -> 127.5 -> 128 (half to even)
}

TEST_CASE("PNG folder: 000000.png, ... one per image; a second call replaces the folder whole") {
  const auto dir = temp_dir() / "pngs";
  write_png_files(dir.string(), at::full({3, 4, 5, 1}, 9, at::kByte));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"000000.png", "000001.png", "000002.png"});
  std::ifstream in(dir / "000002.png", std::ios::binary);
  char sig[8];
  in.read(sig, 8);
  CHECK(std::string(sig + 1, 3) == "PNG");
  // Fewer images the second time: no image of the first call is left, and no temp folder beside it.
  write_png_files(dir.string(), at::zeros({1, 4, 4, 3}, at::kByte));
  CHECK(fs::exists(dir / "000000.png"));
  CHECK_FALSE(fs::exists(dir / "000001.png"));
  int siblings = 0;
  for (const auto& e : fs::directory_iterator(dir.parent_path())) siblings += e.path().filename().string().rfind("pngs", 0) == 0;
  CHECK(siblings == 1);
  CHECK_THROWS_AS(write_png_files(dir.string(), at::zeros({1, 4, 4, 2}, at::kByte)), RuntimeError);
  CHECK(fs::exists(dir / "000000.png"));  // a failed call leaves the previous folder
  fs::remove_all(dir);
}

TEST_CASE(".npy bytes: magic, a 64-byte aligned header dict, then the data in C order") {
  auto t = at::arange(6, at::kByte).reshape({1, 2, 3});
  const std::string b = npy_bytes(t);
  CHECK(b.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = uint8_t(b[8]) | size_t(uint8_t(b[9])) << 8;
  CHECK((10 + header_len) % 64 == 0);
  const std::string header = b.substr(10, header_len);
  CHECK(header.rfind("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), }", 0) == 0);
  CHECK(header.back() == '\n');
  CHECK(b.size() == 10 + header_len + 6);
  CHECK(b.substr(10 + header_len) == std::string("\x00\x01\x02\x03\x04\x05", 6));
  CHECK(npy_bytes(at::zeros({5}, at::kLong)).find("'descr': '<i8', 'fortran_order': False, 'shape': (5,), }") != std::string::npos);
  CHECK_THROWS_AS(npy_bytes(at::zeros({2}, at::kHalf)), RuntimeError);
}

TEST_CASE(".npz: a stored zip of NAME.npy entries with their CRC-32 and a central directory") {
  const auto path = (temp_dir() / "a.npz").string();
  auto images = at::arange(24, at::kByte).reshape({2, 3, 4, 1});
  auto labels = at::tensor(std::vector<int64_t>{7, 1}, at::kLong);
  write_npz(path, {{"arr_0", images}, {"labels", labels}});
  std::ifstream in(path, std::ios::binary);
  const std::string zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto u16 = [&](size_t at) { return uint32_t(uint8_t(zip[at])) | uint32_t(uint8_t(zip[at + 1])) << 8; };
  auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
  // First entry: local header, stored (method 0), CRC and sizes of arr_0.npy's bytes.
  const std::string first = npy_bytes(images);
  CHECK(u32(0) == 0x04034b50u);
  CHECK(u16(8) == 0);
  CHECK(u32(14) == uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(first.data()), uInt(first.size()))));
  CHECK(u32(18) == first.size());
  CHECK(u32(22) == first.size());
  CHECK(zip.substr(30, u16(26)) == "arr_0.npy");
  CHECK(zip.substr(30 + 9, first.size()) == first);
  // End of central directory: two entries; the directory points at both local headers.
  const size_t end = zip.size() - 22;
  CHECK(u32(end) == 0x06054b50u);
  CHECK(u16(end + 10) == 2);
  const size_t dir = u32(end + 16);
  CHECK(u32(dir) == 0x02014b50u);
  CHECK(u32(dir + 42) == 0);
  const size_t second = dir + 46 + 9;
  CHECK(u32(second) == 0x02014b50u);
  CHECK(zip.substr(second + 46, 10) == "labels.npy");
  CHECK(u32(u32(second + 42)) == 0x04034b50u);
  CHECK_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
  fs::remove(path);
}

TEST_CASE("latents explained: codes by use, tuple ids, mutual information, the code-class table") {
  // 6 images, m = 2: latent 0 has code 2 (x4, classes 0,0,0,1) and code 0 (x2, class 1); latent 1 is always 5.
  auto codes = at::tensor(std::vector<int64_t>{2, 5, 2, 5, 0, 5, 2, 5, 0, 5, 2, 5}, at::kLong).reshape({6, 2});
  auto labels = at::tensor(std::vector<int64_t>{0, 0, 1, 0, 1, 1}, at::kLong);
  CHECK(codes_by_use(codes, 0) == std::vector<int64_t>{2, 0});
  CHECK(codes_by_use(codes, 1) == std::vector<int64_t>{5});
  auto [ids, distinct] = tuple_ids(codes);
  CHECK(distinct == 2);
  CHECK(ids.eq(ids[0]).sum().item<int64_t>() == 4);
  // Independent variables share nothing; a variable shares its entropy with itself; a constant shares nothing.
  auto fair = at::tensor(std::vector<int64_t>{0, 1, 0, 1}, at::kLong), other = at::tensor(std::vector<int64_t>{0, 0, 1, 1}, at::kLong);
  CHECK(mutual_information(fair, 2, other, 2) == doctest::Approx(0.0));
  CHECK(mutual_information(fair, 2, fair, 2) == doctest::Approx(std::log(2.0)));
  CHECK(mutual_information(codes.select(1, 1), 6, labels, 2) == doctest::Approx(0.0));
  const std::string csv = code_class_table_csv(codes, labels, {"shirt", "bag, small"});
  CHECK(csv == "latent,code,images,share,top_class,top_class_share,shirt,bag  small\n"
               "0,2,4,0.6667,shirt,0.75,3,1\n"
               "0,0,2,0.3333,bag  small,1,0,2\n"
               "1,5,6,1,shirt,0.5,3,3\n");
}

TEST_CASE("image folder: corrupt, truncated and degenerate files are skipped and counted; none left is an error") {
  const auto dir = temp_dir() / "folder";
  fs::create_directories(dir);
  // A 20x12 RGB image: white side bands around a black 12x12 centre square.
  auto pixels = at::zeros({12, 20, 3}, at::kByte);
  pixels.narrow(1, 0, 4).fill_(255);
  pixels.narrow(1, 16, 4).fill_(255);
  write_png((dir / "a_good.png").string(), pixels);
  std::ifstream good(dir / "a_good.png", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(good)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "b_truncated.png", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(dir / "c_garbage.png", std::ios::binary) << "not an image at all\n";
  write_png((dir / "d_1x40.png").string(), at::zeros({40, 1, 1}, at::kByte));  // 40 times taller than wide

  const ImageSet set = load_image_folder(dir.string(), 8, /*grayscale=*/false);
  CHECK(set.skipped == 3);
  REQUIRE(set.images.sizes() == at::IntArrayRef({1, 3, 8, 8}));
  // The centre square is cropped before resizing: nothing of the white bands reaches the image.
  CHECK(set.images.max().item<int>() == 0);

  fs::remove(dir / "a_good.png");
  try {
    (void)load_image_folder(dir.string(), 8, false);
    FAIL("a folder of unusable images must be a DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()).find("none of the 3 images") != std::string::npos);
  }
  fs::remove_all(dir.parent_path());
}

namespace {

// A labelled folder of small RGB PNGs of different sizes, two classes: every image distinct (seeded noise).
fs::path write_png_folder(const fs::path& dir, int per_class) {
  fs::create_directories(dir);
  auto gen = at::detail::createCPUGenerator(31);
  for (const char* cls : {"cat", "dog"}) {
    fs::create_directories(dir / cls);
    for (int i = 0; i < per_class; ++i) {
      const int64_t h = 10 + i % 3, w = 12 + i % 4;
      auto pixels = at::randint(0, 256, {h, w, 3}, gen, at::TensorOptions().dtype(at::kByte));
      write_png((dir / cls / ("img" + std::to_string(i) + ".png")).string(), pixels);
    }
  }
  return dir;
}

struct Pair {
  std::unique_ptr<ImageDataset> memory;
  std::unique_ptr<StreamingImageFolder> stream;
};
Pair both(const fs::path& dir, bool hflip, uint64_t seed = 5) {
  auto set = std::make_shared<const ImageSet>(load_image_folder(dir.string(), 8, false));
  auto files = std::make_shared<const ImageFiles>(list_image_folder(dir.string()));
  const auto all = [](int64_t n) { return at::arange(n, at::TensorOptions().dtype(at::kLong)); };
  return {std::make_unique<ImageDataset>(set, all(set->images.size(0)), true, hflip, seed),
          std::make_unique<StreamingImageFolder>(files, all(int64_t(files->paths.size())), 8, false, true, hflip, seed)};
}

at::Tensor ids(std::vector<int64_t> v) { return at::tensor(v, at::kLong); }

bool same_batch(const Batch& a, const Batch& b) {
  return a.size == b.size && at::equal(a.at("x"), b.at("x")) && at::equal(a.at("label"), b.at("label"));
}

}  // namespace

TEST_CASE("streaming folder: the same batches as the in-memory dataset, with and without flips") {
  const auto dir = write_png_folder(temp_dir() / "stream_same", 5);
  for (bool hflip : {false, true}) {
    CAPTURE(hflip);
    auto d = both(dir, hflip);
    REQUIRE(d.stream->size() == 10);
    REQUIRE(d.memory->size() == 10);
    for (const auto& idx : {ids({3, 0, 7, 7, 1}), ids({9, 8, 2, 5}), ids({4, 6, 0, 1, 2, 3})}) {
      const Batch m = d.memory->get(idx), s = d.stream->get(idx);
      CHECK(same_batch(m, s));
    }
  }
  // Labels follow the class folders (cat = 0, dog = 1), in sorted file order.
  auto d = both(dir, false);
  CHECK(at::equal(d.stream->get(ids({0, 4, 5, 9})).at("label"), ids({0, 0, 1, 1})));
  CHECK(d.stream->skipped() == 0);
  fs::remove_all(temp_dir());
}

TEST_CASE("streaming folder: prefetch then get equals get alone; a prefetch of other indices is ignored") {
  const auto dir = write_png_folder(temp_dir() / "stream_prefetch", 4);
  auto plain = both(dir, true, 11), hinted = both(dir, true, 11);
  const std::vector<at::Tensor> steps{ids({0, 1, 2}), ids({7, 3, 3}), ids({5, 6, 4}), ids({2, 0, 1})};
  // The trainer's pattern: get(step), then prefetch(step + 1).
  for (size_t s = 0; s < steps.size(); ++s) {
    const Batch with_hint = hinted.stream->get(steps[s]);
    if (s + 1 < steps.size()) hinted.stream->prefetch(steps[s + 1]);
    CHECK(same_batch(with_hint, plain.stream->get(steps[s])));
    CHECK(same_batch(with_hint, plain.memory->get(steps[s])));
  }
  // A prefetched batch for other indices: get() returns the batch asked for, and the prefetched one still serves
  // its own get afterwards.
  auto a = both(dir, false);
  a.stream->prefetch(ids({6, 7}));
  CHECK(same_batch(a.stream->get(ids({0, 1})), a.memory->get(ids({0, 1}))));
  CHECK(same_batch(a.stream->get(ids({6, 7})), a.memory->get(ids({6, 7}))));
  // A newer prefetch replaces an older one that was not yet taken; both gets are still right.
  a.stream->prefetch(ids({1}));
  a.stream->prefetch(ids({2, 3, 4}));
  CHECK(same_batch(a.stream->get(ids({1})), a.memory->get(ids({1}))));
  CHECK(same_batch(a.stream->get(ids({2, 3, 4})), a.memory->get(ids({2, 3, 4}))));
  // The same batch twice in a row (two epochs can meet so): the second get decodes again.
  a.stream->prefetch(ids({5}));
  CHECK(same_batch(a.stream->get(ids({5})), a.memory->get(ids({5}))));
  CHECK(same_batch(a.stream->get(ids({5})), a.memory->get(ids({5}))));
  fs::remove_all(temp_dir());
}

TEST_CASE("streaming folder: a corrupt file is warned about once, counted and replaced by the next image") {
  const auto dir = write_png_folder(temp_dir() / "stream_corrupt", 3);
  // Sorted order: cat/img0 cat/img1 cat/img1b (corrupt) cat/img2 dog/img0 ...
  std::ofstream(dir / "cat" / "img1b.png", std::ios::binary) << "not an image at all\n";
  auto d = both(dir, false);
  REQUIRE(d.stream->size() == 7);   // listed: the corrupt file too
  REQUIRE(d.memory->size() == 6);   // decoded up front: without it
  CHECK(d.stream->skipped() == 0);  // nothing decoded yet
  // Stream index 2 is the corrupt file: it becomes cat/img2 (memory index 2), label and all; the batch keeps its size.
  const Batch s = d.stream->get(ids({1, 2, 3, 6}));
  const Batch m = d.memory->get(ids({1, 2, 2, 5}));
  CHECK(same_batch(s, m));
  CHECK(d.stream->skipped() == 1);
  d.stream->prefetch(ids({2, 2}));
  CHECK(same_batch(d.stream->get(ids({2, 2})), d.memory->get(ids({2, 2}))));
  CHECK(d.stream->skipped() == 1);  // counted (and warned about) once
  // The replacement wraps around the end of the dataset: a corrupt last file gives the first image.
  std::ofstream(dir / "dog" / "zz_bad.png", std::ios::binary) << "also not an image\n";
  auto w = both(dir, false);
  REQUIRE(w.stream->size() == 8);
  CHECK(same_batch(w.stream->get(ids({7})), w.memory->get(ids({0}))));
  CHECK(w.stream->skipped() == 1);
  fs::remove_all(temp_dir());
}

TEST_CASE("streaming folder: destroying it with a prefetch in flight neither hangs nor crashes") {
  const auto dir = write_png_folder(temp_dir() / "stream_destroy", 4);
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; round < 3; ++round) {
    auto d = both(dir, true);
    d.stream->prefetch(at::arange(8, at::TensorOptions().dtype(at::kLong)).repeat({2000}));  // 16000 decodes
    if (round == 1) d.stream->prefetch(ids({1, 2}));  // and one waiting behind it
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * round));
  }
  // Abandoned between two images: far less than decoding the three batches (48000 images) would take.
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
  fs::remove_all(temp_dir());
}

TEST_CASE("data.stream: the data.test_fraction split is the in-memory split when every file decodes") {
  const auto dir = write_png_folder(temp_dir() / "stream_split", 6);
  Schema schema = core_schema();
  schema.merge(Schema::load_file(DISCO_IMAGE_SCHEMA));
  auto config = [&](bool stream) {
    Config c = Config::parse_string("domain = \"image\"\n", "<stream test>");
    for (const std::string& o : std::vector<std::string>{"data.name=folder", "data.path=" + dir.string(), "data.resolution=8",
                                "data.test_fraction=0.25", std::string("data.stream=") + (stream ? "true" : "false")})
      c.apply_override(o);
    c.validate(schema);
    return c;
  };
  for (const char* split : {"train", "test"}) {
    CAPTURE(split);
    const auto memory = load_image_set(config(false), split), streamed = load_image_set(config(true), split);
    CHECK(at::equal(memory->images, streamed->images));
    CHECK(at::equal(memory->labels, streamed->labels));
    // And the streaming training set reads the files of that split, in that order.
    const ImageFiles files = image_files(config(true), split);
    REQUIRE(int64_t(files.paths.size()) == memory->images.size(0));
    StreamingImageFolder stream(std::make_shared<const ImageFiles>(files),
                                at::arange(memory->images.size(0), at::TensorOptions().dtype(at::kLong)), 8, false, true,
                                false, 0);
    const Batch b = stream.get(at::arange(memory->images.size(0), at::TensorOptions().dtype(at::kLong)));
    CHECK(at::equal(b.at("x"), to_model_range(memory->images)));
    CHECK(at::equal(b.at("label"), memory->labels));
  }
  fs::remove_all(temp_dir());
}
