// File: store/codec.h
//
// JSON encodings of the core types the store keeps as blobs: StorySummary (the stories
// table) and Alert (the accepted-alert log the outbox delivers from). Pure functions,
// thread-safe. Decoding never throws: a malformed or incomplete blob is kInvalidArgument
// naming the field. Encoding then decoding gives back an equal value.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/story.h"

namespace babelwatch::store {

[[nodiscard]] std::string EncodeStory(const StorySummary& story);
[[nodiscard]] Result<StorySummary> DecodeStory(std::string_view json);

[[nodiscard]] std::string EncodeAlert(const Alert& alert);
[[nodiscard]] Result<Alert> DecodeAlert(std::string_view json);

}  // namespace babelwatch::store
