import factory
from django.contrib.auth import get_user_model

from organizations.models import District, Membership, Organization


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = "Кущевский район"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    district = factory.SubFactory(DistrictFactory)
    # Numbers above a hundred keep clear of the names the shared actors use (СОШ №9, д/с №10).
    short_name = factory.Sequence(lambda n: f"СОШ №{n + 101}")
    name = factory.LazyAttribute(lambda o: f"МБОУ {o.short_name} ст. Кущёвской")
    kind = Organization.Kind.SCHOOL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff_of(organization: Organization, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Membership.Role.STAFF, organization=organization)
    return user


def methodologist(district: District | None = None, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Membership.Role.METHODOLOGIST, district=district)
    return user
