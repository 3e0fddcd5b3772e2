//===- ShardIndex.cpp - Sharded checkpoints -------------------------------===//
//
// model.safetensors.index.json / pytorch_model.bin.index.json:
// {"metadata": {...}, "weight_map": {tensor name: shard file}}. Every shard
// is opened once and every tensor must be in the shard the index names.
//
//===----------------------------------------------------------------------===//

#include "frontend/ErrorList.h"
#include "frontend/JsonUtil.h"
#include "frontend/PytorchBinReader.h"
#include "frontend/SafetensorsReader.h"
#include "frontend/TensorStore.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include <map>

using namespace bitc;
using llvm::ArrayRef;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

static std::string joinPath(StringRef dir, StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openShards(StringRef modelDir, const std::string &indexPath,
                        bool pytorchShards) {
  Expected<std::unique_ptr<llvm::MemoryBuffer>> indexBuffer =
      mapRegularFile(indexPath);
  if (!indexBuffer)
    return makeError(indexPath + ": cannot read: " +
                     llvm::toString(indexBuffer.takeError()));
  return openShardIndex(
      indexPath, (*indexBuffer)->getBuffer(),
      [&](StringRef shard) {
        return mapRegularFile(joinPath(modelDir, shard));
      },
      pytorchShards);
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openShardIndex(StringRef indexPath, StringRef indexText,
                            ShardOpener openShard, bool pytorchShards) {
  // Sharded checkpoint: {"metadata": {...}, "weight_map": {name: shard}}.
  auto indexError = [&](const Twine &message) {
    return makeError(indexPath + ": " + message);
  };
  Expected<json::Value> index = json_util::parseJsonStrict(indexText);
  if (!index)
    return indexError(llvm::toString(index.takeError()));
  const json::Object *indexObject = index->getAsObject();
  const json::Object *weightMap =
      indexObject ? indexObject->getObject("weight_map") : nullptr;
  if (!weightMap)
    return indexError("'weight_map' must be an object mapping tensor names "
                      "to shard file names");
  if (weightMap->empty())
    return indexError("'weight_map' is empty");

  // shard file name -> the tensors the index puts there (sorted).
  std::map<std::string, std::vector<std::string>> shards;
  llvm::StringMap<std::string> shardOf;
  {
    std::vector<StringRef> names;
    for (const auto &member : *weightMap)
      names.push_back(member.first);
    llvm::sort(names);
    for (StringRef name : names) {
      std::optional<StringRef> shard = weightMap->get(name)->getAsString();
      if (!shard)
        return indexError("tensor '" + name +
                          "': shard file name must be a string");
      // Shards live next to the index; never follow a path elsewhere.
      if (shard->empty() || *shard == "." || *shard == ".." ||
          shard->find_first_of("/\\") != StringRef::npos)
        return indexError("tensor '" + name + "': shard '" + *shard +
                          "' is not a file name in the model directory");
      shards[shard->str()].push_back(name.str());
      shardOf[name] = shard->str();
    }
  }

  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  store->sourcePath = indexPath;
  ErrorList errors;
  std::vector<std::pair<std::string, std::vector<TensorInfo>>> parsed;
  for (const auto &[shard, names] : shards) {
    std::string shardPath =
        joinPath(llvm::sys::path::parent_path(indexPath), shard);
    Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer = openShard(shard);
    if (!buffer) {
      errors.add(indexPath + ": cannot read shard '" + shard +
                 "': " + llvm::toString(buffer.takeError()));
      continue;
    }
    std::vector<TensorInfo> infos;
    if (!pytorchShards)
      infos = parseSafetensors(shardPath, **buffer, errors);
    else if (Error err = readPytorchBin(shardPath, (*buffer)->getBuffer(),
                                        infos, store->buffers))
      errors.add(llvm::toString(std::move(err)));
    store->buffers.push_back(std::move(*buffer));
    store->fileNames.push_back(shardPath);
    parsed.emplace_back(shard, std::move(infos));
  }
  if (!errors.empty())
    return errors.take(indexPath);

  // The index and the shards must agree tensor by tensor.
  llvm::StringMap<std::string> foundIn;
  for (auto &[shard, infos] : parsed) {
    for (TensorInfo &info : infos) {
      auto mapped = shardOf.find(info.name);
      if (mapped == shardOf.end())
        errors.add(info.file + ": tensor '" + info.name + "': not listed in " +
                   indexPath);
      else if (mapped->second != shard)
        errors.add(info.file + ": tensor '" + info.name + "': " + indexPath +
                   " maps it to '" + mapped->second + "'");
      else
        foundIn[info.name] = shard;
    }
  }
  for (const auto &[shard, names] : shards)
    for (const std::string &name : names)
      if (!foundIn.count(name))
        errors.add(indexPath + ": tensor '" + name + "': mapped to '" + shard +
                   "', which does not contain it");
  if (!errors.empty())
    return errors.take(indexPath);

  for (auto &shardInfos : parsed)
    for (TensorInfo &info : shardInfos.second)
      store->infos.push_back(std::move(info));
  store->indexTensors();
  return std::move(store);
}
