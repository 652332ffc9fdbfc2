#pragma once

// Reads DOT text back with cgraph so tests can check attributes by object instead of by
// text layout.

#include <graphviz/cgraph.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace kvr::viz::testing {

class ParsedDot {
 public:
  explicit ParsedDot(const std::string& text) : graph_(agmemread(text.c_str())) {
    if (!graph_) {
      throw std::runtime_error("DOT text is not valid: cgraph failed to parse it");
    }
  }

  Agraph_t* graph() const { return graph_.get(); }

  Agnode_t* node(const std::string& name) const { return agnode(graph(), text(name), 0); }

  Agraph_t* subgraph(const std::string& name) const { return agsubg(graph(), text(name), 0); }

  Agedge_t* edge(const std::string& from, const std::string& to) const {
    Agnode_t* tail = node(from);
    Agnode_t* head = node(to);
    return tail && head ? agedge(graph(), tail, head, nullptr, 0) : nullptr;
  }

  // Returns the attribute value, or "<missing object>" when the object is null.
  static std::string attribute(void* object, const std::string& name) {
    if (object == nullptr) {
      return "<missing object>";
    }
    const char* value = agget(object, text(name));
    return value == nullptr ? "" : value;
  }

 private:
  struct Closer {
    void operator()(Agraph_t* graph) const { agclose(graph); }
  };

  static char* text(const std::string& value) { return const_cast<char*>(value.c_str()); }

  std::unique_ptr<Agraph_t, Closer> graph_;
};

}  // namespace kvr::viz::testing
