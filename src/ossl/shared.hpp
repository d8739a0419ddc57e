// One reference-counted owner for the OpenSSL objects that are shared by value (certificates,
// keys, CRLs): a copy takes another reference (T_up_ref), the last owner frees it. OpenSSL counts
// the references itself, so a copy is cheap and the object is never duplicated.
#pragma once

#include <utility>

namespace ossl {

template <class T, int (*UpRef)(T*), void (*Free)(T*)> class Shared {
  public:
    Shared() noexcept = default;
    explicit Shared(T* object) noexcept : m_object(object) {} // takes ownership of one reference
    Shared(const Shared& other) noexcept : m_object(other.m_object) {
        if (m_object != nullptr) UpRef(m_object);
    }
    Shared(Shared&& other) noexcept : m_object(std::exchange(other.m_object, nullptr)) {}
    Shared& operator=(Shared other) noexcept { // copy-and-swap serves both assignments
        std::swap(m_object, other.m_object);
        return *this;
    }
    ~Shared() {
        if (m_object != nullptr) Free(m_object);
    }

    T* get() const noexcept { return m_object; }
    explicit operator bool() const noexcept { return m_object != nullptr; }

  private:
    T* m_object = nullptr;
};

} // namespace ossl
